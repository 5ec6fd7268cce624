import { Counter, Histogram, type Registry } from "prom-client";

export type ScoringMetrics = ReturnType<typeof createScoringMetrics>;

/** Shared by the gateway and the scoring worker so dashboards sum them across both. */
export function createScoringMetrics(registry: Registry) {
  return {
    transactionsScoredTotal: new Counter({
      name: "transactions_scored_total",
      help: "Transactions scored by the model (cache hits excluded)",
      registers: [registry],
    }),
    anomaliesDetectedTotal: new Counter({
      name: "anomalies_detected_total",
      help: "Transactions flagged as anomalous, by severity",
      labelNames: ["severity"],
      registers: [registry],
    }),
    modelInferenceDurationSeconds: new Histogram({
      name: "model_inference_duration_seconds",
      help: "Time spent in one model scoring call (one transaction or one batch)",
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers: [registry],
    }),
  };
}
