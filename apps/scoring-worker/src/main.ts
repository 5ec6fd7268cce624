import { createMetricsRegistry } from "@chainwatch/metrics";
import {
  createHealthServer,
  createLogger,
  createShutdownRegistry,
  loadEnvOrExit,
} from "@chainwatch/service-kit";
import { loadEnv } from "./env.ts";
import { createScoringWorker } from "./worker.ts";

const env = loadEnvOrExit("scoring-worker", () => loadEnv());
const logger = createLogger({ name: "scoring-worker", level: env.LOG_LEVEL });
for (const note of env.configNotes) logger.warn({ note }, "configuration alias");
const shutdown = createShutdownRegistry({ logger, timeoutMs: env.SHUTDOWN_TIMEOUT_MS });
shutdown.installSignalHandlers();

const registry = createMetricsRegistry({ defaultLabels: { service: "scoring-worker" } });
const worker = createScoringWorker({
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
  isReady: () => worker.isReady() && !shutdown.isShuttingDown,
  report: () => worker.health(),
  details: () => ({
    groupId: env.KAFKA_GROUP_ID,
    topic: env.topics.transactions,
    modelVersion: worker.modelVersion,
    models: worker.servingModels(),
    ...worker.stats(),
    lag: worker.lag()?.map(({ partition, lag }) => ({ partition, lag: Number(lag) })),
  }),
  metrics: { contentType: registry.contentType, text: () => registry.metrics() },
});
// Registered first, so it stops last: /metrics and liveness stay up while the worker drains.
shutdown.register("health server", () => health.stop());
await health.start();
shutdown.register("scoring worker", () => worker.stop());

try {
  await worker.start();
} catch (error) {
  // PostgreSQL or Kafka unreachable at start: fail fast and let the orchestrator restart us.
  logger.fatal({ err: error }, "scoring worker failed to start");
  await shutdown.shutdown("start-up failure", 1);
}
logger.info(
  { healthPort: health.port(), groupId: env.KAFKA_GROUP_ID, topic: env.topics.transactions },
  "scoring worker started",
);
