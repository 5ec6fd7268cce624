import { createMetricsRegistry } from "@chainwatch/metrics";
import {
  createHealthServer,
  createLogger,
  createShutdownRegistry,
  loadEnvOrExit,
} from "@chainwatch/service-kit";
import { createAlertDispatcherApp } from "./dispatcher-app.ts";
import { loadEnv } from "./env.ts";

const env = loadEnvOrExit("alert-dispatcher", () => loadEnv());
const logger = createLogger({ name: "alert-dispatcher", level: env.LOG_LEVEL });
for (const note of env.configNotes) logger.warn({ note }, "configuration alias");
const shutdown = createShutdownRegistry({ logger, timeoutMs: env.SHUTDOWN_TIMEOUT_MS });
shutdown.installSignalHandlers();

const registry = createMetricsRegistry({ defaultLabels: { service: "alert-dispatcher" } });
const app = createAlertDispatcherApp({
  env,
  logger,
  registry,
  onFatal: (error) => {
    logger.fatal({ err: error }, "kafka consumer stopped for good");
    void shutdown.shutdown("kafka consumer crashed", 1);
  },
});
const health = createHealthServer({
  port: env.HEALTH_PORT,
  host: env.HEALTH_HOST,
  isReady: () => app.isReady() && !shutdown.isShuttingDown,
  details: () => app.details(),
  metrics: { contentType: registry.contentType, text: () => registry.metrics() },
});
// Registered first, so it stops last: /metrics and liveness stay up while the dispatcher drains.
shutdown.register("health server", () => health.stop());
await health.start();
shutdown.register("alert dispatcher", () => app.stop());

try {
  await app.start();
} catch (error) {
  // PostgreSQL or Kafka unreachable at start: fail fast and let the orchestrator restart us.
  logger.fatal({ err: error }, "alert dispatcher failed to start");
  await shutdown.shutdown("start-up failure", 1);
}
logger.info({ healthPort: health.port(), groupId: env.KAFKA_ALERT_GROUP_ID }, "alert dispatcher started");
