import { Counter, Gauge, type Registry } from "prom-client";

export type WarmerMetrics = ReturnType<typeof createWarmerMetrics>;

export function createWarmerMetrics(registry: Registry) {
  return {
    transactionsTotal: new Counter({
      name: "cache_warm_transactions_total",
      help: "Transactions handled by the cache warmer, by outcome (warmed, invalid, failed)",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    runsTotal: new Counter({
      name: "cache_warm_runs_total",
      help: "Cache warming runs, by status (succeeded, failed)",
      labelNames: ["status"],
      registers: [registry],
    }),
    lastRunDurationSeconds: new Gauge({
      name: "cache_warm_last_run_duration_seconds",
      help: "Duration of the last completed warming run",
      registers: [registry],
    }),
    lastSuccessTimestampSeconds: new Gauge({
      name: "cache_warm_last_success_timestamp_seconds",
      help: "Unix time of the last successful warming run",
      registers: [registry],
    }),
  };
}
