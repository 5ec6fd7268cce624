export { type AlertMetrics, createAlertMetrics } from "./alert-metrics.ts";
export { type CacheMetrics, createCacheMetrics } from "./cache-metrics.ts";
export { type ChainMetrics, createChainMetrics, reorgDepthLabel } from "./chain-metrics.ts";
export { createHealthMetrics, type HealthMetricsOptions } from "./health-metrics.ts";
export { createHttpMetrics, type HttpMetrics } from "./http-metrics.ts";
export {
  createKafkaConsumerMetrics,
  createKafkaProducerMetrics,
  type KafkaConsumerMetrics,
  type KafkaProducerMetrics,
} from "./kafka-metrics.ts";
export { createMetricsRegistry, type MetricsRegistryOptions, type Registry } from "./registry.ts";
export { createScoringMetrics, type ScoringMetrics } from "./scoring-metrics.ts";
export { createStoreMetrics, type StoreMetrics } from "./store-metrics.ts";
export { createWarmerMetrics, type WarmerMetrics } from "./warmer-metrics.ts";
