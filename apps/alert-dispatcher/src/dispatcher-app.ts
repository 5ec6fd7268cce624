import { type Alerting, createAlerting } from "@chainwatch/alerts";
import { createBatchConsumer, createKafkaClientFromEnv, createStreamAdmin } from "@chainwatch/kafka";
import { createAlertMetrics, type Registry } from "@chainwatch/metrics";
import { type Component, createLifecycle, type Logger } from "@chainwatch/service-kit";
import { type Database, openPostgresFromEnv, runMigrations } from "@chainwatch/store";
import { createAnomalyIntake } from "./anomaly-intake.ts";
import type { DispatcherEnv } from "./env.ts";

export interface AlertDispatcherApp extends Component {
  isReady(): boolean;
  details(): Record<string, unknown>;
}

/**
 * The alert dispatcher: the anomalies topic → the outbox (intake) and the outbox → destinations (the
 * dispatcher). Both share one PostgreSQL; any number of these processes share the outbox.
 */
export function createAlertDispatcherApp(options: {
  env: DispatcherEnv;
  logger: Logger;
  registry: Registry;
  onFatal?: (error: Error) => void;
}): AlertDispatcherApp {
  const { env, logger, registry } = options;
  const metrics = createAlertMetrics(registry);
  const kafka = createKafkaClientFromEnv(env, { logger });
  const consumer = createBatchConsumer({
    kafka,
    logger,
    groupId: env.KAFKA_ALERT_GROUP_ID,
    topic: env.KAFKA_TOPIC_ANOMALIES,
    fromBeginning: env.KAFKA_FROM_BEGINNING,
    sessionTimeoutMs: env.KAFKA_SESSION_TIMEOUT_MS,
    heartbeatIntervalMs: env.KAFKA_HEARTBEAT_INTERVAL_MS,
    rebalanceTimeoutMs: env.KAFKA_REBALANCE_TIMEOUT_MS,
    partitionsConsumedConcurrently: env.KAFKA_ALERT_PARTITIONS_CONCURRENTLY,
    // Anomalies are few; a short broker wait keeps scored-to-delivered latency low.
    maxWaitTimeMs: 100,
  });
  let database: Database | undefined;
  let alerting: Alerting | undefined;
  let intake: ReturnType<typeof createAnomalyIntake> | undefined;
  let isStarted = false;

  // Stopped in reverse: the intake leaves the group first, then deliveries in flight finish, clients close.
  const lifecycle = createLifecycle({ logger });
  lifecycle.add("database", {
    start: async () => {
      database = await openPostgresFromEnv(env, { applicationName: "chainwatch-alert-dispatcher" });
      await runMigrations(database);
      alerting = createAlerting({ database, env, logger, metrics });
      const resealed = await alerting.destinations.reseal(alerting.secrets).catch((error: unknown) => {
        logger.warn({ err: error }, "signing secrets not resealed");
        return 0;
      });
      if (resealed > 0) logger.info({ resealed }, "signing secrets sealed with the current key");
    },
    stop: async () => {
      await database?.close();
    },
  });
  lifecycle.add("anomalies topic", {
    start: async () => {
      const admin = createStreamAdmin({ kafka, logger });
      try {
        await admin.ensureTopics([
          { topic: env.KAFKA_TOPIC_ANOMALIES, numPartitions: env.KAFKA_TOPIC_PARTITIONS },
        ]);
      } finally {
        await admin.close();
      }
    },
  });
  lifecycle.add("dispatcher", {
    start: () => (alerting as Alerting).dispatcher.start(),
    stop: async () => {
      await alerting?.dispatcher.stop();
      alerting?.close();
    },
  });
  lifecycle.add("intake", {
    start: async () => {
      const current = alerting as Alerting;
      intake = createAnomalyIntake({
        consumer,
        router: current.router,
        linkBaseUrl: current.linkBaseUrl,
        logger,
        onRouted: () => current.dispatcher.notify(),
        ...(options.onFatal ? { onFatal: options.onFatal } : {}),
      });
      await intake.start();
      isStarted = true;
    },
    stop: async () => {
      await (intake?.stop() ?? consumer.stop());
    },
  });

  return {
    start: () => lifecycle.start(),
    stop: () => lifecycle.stop(),
    isReady: () => isStarted,
    details: () => ({
      groupId: env.KAFKA_ALERT_GROUP_ID,
      topic: env.KAFKA_TOPIC_ANOMALIES,
      intake: intake?.stats(),
      inFlight: alerting?.dispatcher.inFlight(),
      breakers: alerting?.dispatcher.breakerStates(),
    }),
  };
}
