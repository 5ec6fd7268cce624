import { collectDefaultMetrics, Registry } from "prom-client";

export type { Registry } from "prom-client";

export interface MetricsRegistryOptions {
  /** Added to every series, e.g. { service: "api-gateway" }. Keep values bounded. */
  defaultLabels?: Record<string, string>;
  /** Process metrics (CPU, memory, event-loop lag, GC). Off in unit tests to keep them fast. */
  collectProcessMetrics?: boolean;
}

/** Each app owns one registry and injects it into its components; nothing registers globally. */
export function createMetricsRegistry(options: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.defaultLabels) registry.setDefaultLabels(options.defaultLabels);
  if (options.collectProcessMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}
