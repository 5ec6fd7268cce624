import { createChainFollowerFromEnv, createKafkaSink } from "@chainwatch/chain";
import { createKafkaClientFromEnv, createPublisher, createStreamAdmin } from "@chainwatch/kafka";
import { createChainMetrics, createKafkaProducerMetrics, createMetricsRegistry } from "@chainwatch/metrics";
import {
  createHealthServer,
  createLifecycle,
  createLogger,
  createShutdownRegistry,
  loadEnvOrExit,
} from "@chainwatch/service-kit";
import {
  createChainStateRepository,
  createPendingTransactionsRepository,
  openPostgresFromEnv,
  runMigrations,
} from "@chainwatch/store";
import { loadEnv } from "./env.ts";

const env = loadEnvOrExit("chain-follower", () => loadEnv());
const logger = createLogger({ name: "chain-follower", level: env.LOG_LEVEL });
for (const note of env.configNotes) logger.warn({ note }, "configuration alias");
const shutdown = createShutdownRegistry({ logger, timeoutMs: env.SHUTDOWN_TIMEOUT_MS });
shutdown.installSignalHandlers();
const lifecycle = createLifecycle({ logger });
shutdown.register("chain follower", () => lifecycle.stop());

const registry = createMetricsRegistry({ defaultLabels: { service: "chain-follower" } });

try {
  // Checkpoints and the canonical window live in PostgreSQL, shared with the workers' results.
  const database = await openPostgresFromEnv(env, { applicationName: "chainwatch-chain-follower" });
  lifecycle.add("database", { stop: () => database.close() });
  await runMigrations(database);

  const kafka = createKafkaClientFromEnv(env, { logger });
  const admin = createStreamAdmin({ kafka, logger });
  lifecycle.add("kafka admin", { stop: () => admin.close() });
  await admin.ensureTopics(
    [env.KAFKA_TOPIC_TRANSACTIONS, env.KAFKA_TOPIC_RETRACTIONS].map((topic) => ({
      topic,
      numPartitions: env.KAFKA_TOPIC_PARTITIONS,
    })),
  );
  const publisher = createPublisher({ kafka, logger, metrics: createKafkaProducerMetrics(registry) });
  lifecycle.add("kafka publisher", { stop: () => publisher.close() });

  const follower = createChainFollowerFromEnv(env, {
    state: createChainStateRepository(database),
    sink: createKafkaSink({
      publisher,
      transactionsTopic: env.KAFKA_TOPIC_TRANSACTIONS,
      retractionsTopic: env.KAFKA_TOPIC_RETRACTIONS,
    }),
    logger,
    metrics: createChainMetrics(registry),
    pending: createPendingTransactionsRepository(database),
  });
  lifecycle.add(
    "health server",
    createHealthServer({
      port: env.HEALTH_PORT,
      host: env.HEALTH_HOST,
      isReady: () => !shutdown.isShuttingDown && follower.status().isRunning,
      details: () => ({ ...follower.status() }),
      metrics: { contentType: registry.contentType, text: () => registry.metrics() },
    }),
  );
  lifecycle.add("follower", follower);
  await lifecycle.start();
  logger.info(
    {
      chainId: env.CHAIN_ID,
      confirmations: env.CONFIRMATIONS,
      subscription: follower.status().subscription,
      isMempool: env.CHAIN_MEMPOOL,
    },
    "following the chain",
  );
} catch (error) {
  // A wrong CHAIN_ID or an unreachable RPC URL ends here, with its own message.
  logger.fatal({ err: error }, "chain follower failed to start");
  await shutdown.shutdown("start-up failure", 1);
}
