import { Counter, Gauge, Histogram, type Registry } from "prom-client";

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
    transactionContentConflictsTotal: new Counter({
      name: "transaction_content_conflicts_total",
      help: "Known hashes recorded again with different content (re-scored, stored as the latest, recorded as a conflict), by source: predict, ingest, stream, unknown",
      labelNames: ["source"],
      registers: [registry],
    }),
    modelInferenceDurationSeconds: new Histogram({
      name: "model_inference_duration_seconds",
      help: "Time spent in one model scoring call (one transaction or one batch)",
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers: [registry],
    }),
    modelPredictionsTotal: new Counter({
      name: "model_predictions_total",
      help: "Results per model version and role (strategy: active, canary = served; shadow = stored, not returned); cache hits included",
      labelNames: ["version", "strategy"],
      registers: [registry],
    }),
    modelRegistryReloadsTotal: new Counter({
      name: "model_registry_reloads_total",
      help: "Serving-set reloads after the registry revision moved (outcome: ok, refused = a file failed verification, error)",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    modelDriftScore: new Gauge({
      name: "model_drift_score",
      help: "PSI of recent traffic against the active model's training reference, per feature (last drift check)",
      labelNames: ["feature"],
      registers: [registry],
    }),
    modelDriftDetected: new Gauge({
      name: "model_drift_detected",
      help: "1 when the last drift check found drift (severity above none), else 0",
      registers: [registry],
    }),
  };
}
