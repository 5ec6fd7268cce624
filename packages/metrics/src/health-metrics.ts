import { Gauge, type Registry } from "prom-client";

export interface HealthMetricsOptions {
  /** Called at scrape time: each dependency's name and whether it answers now. */
  checkDependencies: () => Promise<Record<string, boolean>>;
  /** The model version(s) scoring right now, with their role (e.g. active, shadow, canary). */
  activeModels: () => { version: string; role: string }[];
}

/**
 * State an operator alerts on, computed when Prometheus scrapes, so it is never staler than the scrape:
 * `dependency_up{dependency}` (1 up, 0 down) and `model_active_version_info{version,role}` (always 1).
 */
export function createHealthMetrics(registry: Registry, options: HealthMetricsOptions) {
  return {
    dependencyUp: new Gauge({
      name: "dependency_up",
      help: "Whether a dependency (cache, database, kafka, model) answered its health check at scrape time",
      labelNames: ["dependency"],
      registers: [registry],
      async collect() {
        const states = await options.checkDependencies();
        this.reset();
        for (const [dependency, isUp] of Object.entries(states)) this.set({ dependency }, isUp ? 1 : 0);
      },
    }),
    modelActiveVersionInfo: new Gauge({
      name: "model_active_version_info",
      help: "The model versions in use, by role; the value is always 1",
      labelNames: ["version", "role"],
      registers: [registry],
      collect() {
        this.reset();
        for (const { version, role } of options.activeModels()) this.set({ version, role }, 1);
      },
    }),
  };
}
