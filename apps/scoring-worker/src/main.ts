import { createMetricsRegistry } from "@chainwatch/metrics";
import {
  createHealthServer,
  createLogger,
  createShutdownRegistry,
  loadEnvOrExit,
} from "@chainwatch/service-kit";
import { loadEnv } from "./env.ts";

const env = loadEnvOrExit("scoring-worker", () => loadEnv());
const logger = createLogger({ name: "scoring-worker", level: env.LOG_LEVEL });
const shutdown = createShutdownRegistry({ logger, timeoutMs: env.SHUTDOWN_TIMEOUT_MS });
shutdown.installSignalHandlers();

const registry = createMetricsRegistry({ defaultLabels: { service: "scoring-worker" } });
const health = createHealthServer({
  port: env.HEALTH_PORT,
  host: env.HEALTH_HOST,
  isReady: () => !shutdown.isShuttingDown,
  details: () => ({ kafkaBrokers: env.kafkaBrokers, groupId: env.KAFKA_GROUP_ID }),
  metrics: { contentType: registry.contentType, text: () => registry.metrics() },
});
shutdown.register("health server", () => health.stop());
await health.start();
logger.info({ healthPort: health.port(), groupId: env.KAFKA_GROUP_ID }, "scoring worker started");
