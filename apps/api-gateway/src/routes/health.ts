import type { Cache } from "@chainwatch/cache";
import type { Registry } from "@chainwatch/metrics";
import { checkDependencies, type DependencyCheck } from "../http/dependencies.ts";
import type { Endpoint } from "../http/endpoint.ts";
import { HealthSchema, LivenessSchema, ReadinessSchema } from "../http/operations-schemas.ts";

export interface HealthRoutesOptions {
  /** False when METRICS_PORT serves /metrics on an internal port instead. */
  servesMetrics: boolean;
  dependencies: readonly DependencyCheck[];
  cache: Cache;
  registry: Registry;
  modelVersion: () => string;
  isShuttingDown: () => boolean;
  startedAt: Date;
}

/** Probes and the scrape endpoint: public and never rate limited, so an orchestrator always gets through. */
const operational = { method: "get", access: "public", rateTier: "none", tag: "operations" } as const;

export function healthEndpoints(options: HealthRoutesOptions): Endpoint[] {
  return [
    {
      ...operational,
      operationId: "getLiveness",
      path: "/health/live",
      summary: "Liveness: the process answers",
      response: LivenessSchema,
      handler: (_req, res) => {
        res.json({ status: "ok" });
      },
    },
    {
      ...operational,
      operationId: "getReadiness",
      path: "/health/ready",
      summary: "Readiness: 503 while a required dependency is down or the process is draining",
      response: ReadinessSchema,
      errors: [503],
      errorBodies: { 503: ReadinessSchema },
      handler: async (_req, res) => {
        const report = await checkDependencies(options.dependencies);
        // While draining, fail readiness so the load balancer stops sending new requests.
        const isReady = report.status !== "unavailable" && !options.isShuttingDown();
        res.status(isReady ? 200 : 503).json({ ...report, status: isReady ? "ready" : "unavailable" });
      },
    },
    {
      ...operational,
      operationId: "getHealth",
      path: "/health",
      summary: "Status of each dependency, model version and cache hit rate",
      response: HealthSchema,
      errors: [503],
      errorBodies: { 503: HealthSchema },
      handler: async (_req, res) => {
        const report = await checkDependencies(options.dependencies);
        const stats = options.cache.stats();
        res.status(report.status === "unavailable" ? 503 : 200).json({
          status: report.status,
          uptimeSeconds: Math.round((Date.now() - options.startedAt.getTime()) / 1000),
          modelVersion: options.modelVersion(),
          dependencies: report.dependencies,
          cache: {
            backend: stats.backend,
            hitRate: stats.hitRate,
            predictionHitRate: stats.byType.prediction.hitRate,
            hits: stats.hits,
            misses: stats.misses,
            errors: stats.errors,
            droppedWrites: stats.droppedWrites,
          },
        });
      },
    },
    ...metricsEndpoint(options),
  ];
}

function metricsEndpoint(options: HealthRoutesOptions): Endpoint[] {
  if (!options.servesMetrics) return [];
  return [
    {
      ...operational,
      operationId: "getMetrics",
      path: "/metrics",
      summary: "Prometheus metrics (text format)",
      responseType: "text/plain",
      handler: async (_req, res) => {
        res.setHeader("Content-Type", options.registry.contentType);
        res.send(await options.registry.metrics());
      },
    },
  ];
}
