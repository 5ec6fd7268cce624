import { createCacheFromEnv } from "@chainwatch/cache";
import { createScreeningSet, openContextFromEnv, type ScreeningSet } from "@chainwatch/context";
import {
  createBatchConsumer,
  createKafkaClientFromEnv,
  createPublisher,
  createStreamAdmin,
  type PartitionLag,
  type Publisher,
} from "@chainwatch/kafka";
import {
  createCacheMetrics,
  createHealthMetrics,
  createKafkaConsumerMetrics,
  createKafkaProducerMetrics,
  createMetricsRegistry,
  createScoringMetrics,
  type Registry,
} from "@chainwatch/metrics";
import {
  createScoringService,
  createTransactionPipeline,
  loadBootstrapModelFile,
  openRegistryModelsFromEnv,
  type RegistryModelProvider,
  reportContentConflicts,
  servingRoles,
} from "@chainwatch/scoring";
import {
  type Component,
  createLifecycle,
  type HealthReport,
  type Logger,
  withTimeout,
} from "@chainwatch/service-kit";
import {
  createLabelRepository,
  createModelRegistry,
  createRepositories,
  type Database,
  openPostgresFromEnv,
  runMigrations,
} from "@chainwatch/store";
import type { WorkerEnv } from "./env.ts";
import { createLagMonitor } from "./stream/lag-monitor.ts";
import { createStreamWorker, type StreamWorkerStats } from "./stream/stream-worker.ts";

export interface ScoringWorkerOptions {
  env: WorkerEnv;
  logger: Logger;
  /** The consumer crashed for good: main.ts exits non-zero (an orchestrator restarts the process). */
  onFatal?: (error: Error) => void;
  /** Defaults to a registry of its own with process metrics and service="scoring-worker". */
  registry?: Registry;
  /**
   * Wraps the results publisher; tests inject broker faults here (a publish that fails while the chunk's
   * rows are already stored).
   */
  wrapPublisher?: (publisher: Pick<Publisher, "publish">) => Pick<Publisher, "publish">;
}

export interface ScoringWorker extends Component {
  readonly registry: Registry;
  /** The active model's version right now (it follows the registry: deploys, canaries, rollbacks). */
  readonly modelVersion: string;
  /** The serving set as last loaded from the registry (null before start). */
  servingModels(): { revision: string; active: string; canary: string | null; shadows: string[] } | null;
  stats(): StreamWorkerStats;
  /** Started, and the consumer has not crashed for good. */
  isReady(): boolean;
  /** The last lag reading (kafka_consumer_lag), refreshed every KAFKA_LAG_REFRESH_INTERVAL_MS. */
  lag(): PartitionLag[] | undefined;
  /**
   * PostgreSQL and Kafka as /health and /health/ready report them, in the gateway's shape. PostgreSQL down
   * is `degraded` (the worker holds its partitions uncommitted and retries: nothing is lost, restarting it
   * would not help); the consumer stopped for good is `unavailable`.
   */
  health(): Promise<HealthReport>;
}

/**
 * The scoring worker's components, built from its env: PostgreSQL (migrated), the model registry's serving
 * set (polled every MODEL_REFRESH_INTERVAL_SECONDS, like the gateway's), the prediction cache, Kafka
 * topics (created if missing), the output publisher, the group consumer and the lag monitor. `start()`
 * connects in dependency order and fails if PostgreSQL or Kafka is unreachable; `stop()` drains and commits,
 * leaves the group, then closes clients.
 */
export function createScoringWorker(options: ScoringWorkerOptions): ScoringWorker {
  const { env, logger } = options;
  const registry =
    options.registry ?? createMetricsRegistry({ defaultLabels: { service: "scoring-worker" } });
  const consumerMetrics = createKafkaConsumerMetrics(registry);
  const scoringMetrics = createScoringMetrics(registry);
  // Read (and verified) before anything connects: a bad MODEL_PATH fails the start at once.
  const bootstrapModel = loadBootstrapModelFile(env.MODEL_PATH);
  const kafka = createKafkaClientFromEnv(env, { logger });
  const admin = createStreamAdmin({ kafka, logger });
  const publisher = createPublisher({
    kafka,
    logger,
    timeoutMs: 30_000,
    metrics: createKafkaProducerMetrics(registry),
  });
  const consumer = createBatchConsumer({
    kafka,
    logger,
    groupId: env.KAFKA_GROUP_ID,
    topic: env.topics.transactions,
    fromBeginning: env.KAFKA_FROM_BEGINNING,
    sessionTimeoutMs: env.KAFKA_SESSION_TIMEOUT_MS,
    heartbeatIntervalMs: env.KAFKA_HEARTBEAT_INTERVAL_MS,
    rebalanceTimeoutMs: env.KAFKA_REBALANCE_TIMEOUT_MS,
    partitionsConsumedConcurrently: env.KAFKA_NUM_WORKER_THREADS,
    maxBytesPerPartition: env.KAFKA_FETCH_MAX_BYTES_PER_PARTITION,
  });
  const lagMonitor = createLagMonitor({
    admin,
    groupId: env.KAFKA_GROUP_ID,
    topic: env.topics.transactions,
    intervalMs: env.KAFKA_LAG_REFRESH_INTERVAL_MS,
    logger,
    metrics: consumerMetrics,
  });
  // The same settings and factory as the gateway: TTLs and the in-process bounds are honoured here too.
  const { cache, redisStore } = createCacheFromEnv(env, {
    logger,
    metrics: createCacheMetrics(registry),
    connectionName: "chainwatch-scoring-worker",
  });

  let database: Database | undefined;
  let models: RegistryModelProvider | undefined;
  let streamWorker: ReturnType<typeof createStreamWorker> | undefined;
  let isStarted = false;

  // Stopped in reverse: the stream worker drains and commits first, clients close last. Each step is
  // isolated, so a failing one never leaves the database or the cache open. The consumer is stopped by the
  // stream worker once that exists, and directly only if start never got that far.
  const lifecycle = createLifecycle({ logger });
  lifecycle.add("database", { stop: () => database?.close() });
  lifecycle.add("cache", { stop: () => cache.close() });
  const context = openContextFromEnv(env, {
    connectionName: "chainwatch-scoring-worker-context",
    logger: logger.child({ component: "context" }),
  });
  lifecycle.add("context", { stop: () => context.close() });
  lifecycle.add("admin", { stop: () => admin.close() });
  lifecycle.add("publisher", { stop: () => publisher.close() });
  lifecycle.add("model registry poller", { stop: () => models?.stop() });
  let screening: ScreeningSet | undefined;
  lifecycle.add("screening lists", { stop: () => screening?.stop() });
  lifecycle.add("lag monitor", { stop: () => lagMonitor.stop() });
  lifecycle.add("stream worker", { stop: () => (streamWorker ? streamWorker.stop() : consumer.stop()) });

  const pingDatabase = () =>
    database
      ? withTimeout(database.ping(), 1_000, "database ping timed out").catch(() => false)
      : Promise.resolve(false);

  /** Scrape-time state, as on the gateway: what each dependency answers now and which versions serve. */
  createHealthMetrics(registry, {
    checkDependencies: async () => {
      const [cacheHealth, isDatabaseUp] = await Promise.all([cache.health(), pingDatabase()]);
      return {
        cache: cacheHealth.status === "ok",
        database: isDatabaseUp,
        kafka: isStarted && (streamWorker?.isHealthy() ?? false),
      };
    },
    activeModels: () => servingRoles(models?.loadedSet()),
  });

  return {
    registry,
    get modelVersion() {
      return models?.loadedSet()?.active?.version ?? bootstrapModel.model.modelVersion;
    },
    servingModels() {
      const set = models?.loadedSet();
      if (!set?.active) return null;
      return {
        revision: set.revision,
        active: set.active.version,
        canary: set.canary ? `${set.canary.version}@${set.canary.trafficPercent}%` : null,
        shadows: set.shadows.map((shadow) => shadow.version),
      };
    },

    async start() {
      if (redisStore && !(await redisStore.waitUntilReady(3_000))) {
        logger.warn({}, "redis not reachable at start; scoring without the shared cache until it is");
      }
      database = await openPostgresFromEnv(env, { applicationName: "chainwatch-scoring-worker" });
      const { applied } = await runMigrations(database);
      logger.info({ applied, schema: env.DATABASE_SCHEMA ?? "(default)" }, "database ready");
      const repositories = createRepositories(database);
      models = await openRegistryModelsFromEnv(env, {
        registry: createModelRegistry(database),
        bootstrapModel,
        logger,
        metrics: scoringMetrics,
        cache,
      });
      await models.start();
      if (env.SCREENING_ENABLED) {
        const labels = createLabelRepository(database);
        screening = createScreeningSet({
          snapshot: () => labels.screeningSnapshot(),
          revision: () => labels.screeningRevision(),
          intervalMs: env.SCREENING_REFRESH_INTERVAL_SECONDS * 1000,
          logger: logger.child({ component: "screening" }),
        });
        await screening.start();
      }

      const { created, partitions } = await admin.ensureTopics(
        Object.values(env.topics).map((topic) => ({
          topic,
          numPartitions: env.KAFKA_TOPIC_PARTITIONS,
          replicationFactor: env.KAFKA_TOPIC_REPLICATION_FACTOR,
        })),
      );
      logger.info({ topics: env.topics, created, partitions }, "kafka topics ready");
      await publisher.connect();

      streamWorker = createStreamWorker({
        consumer,
        publisher: options.wrapPublisher ? options.wrapPublisher(publisher) : publisher,
        pipeline: createTransactionPipeline({
          scoring: createScoringService({
            models,
            cache,
            metrics: scoringMetrics,
            ...(context.scorer ? { context: context.scorer } : {}),
            ...(screening ? { screening } : {}),
            riskThreshold: env.RISK_THRESHOLD,
          }),
          recordScored: repositories.recordScored,
          // Incidents reach back: earlier verdicts corrected in the store, then published (stream-worker.ts);
          // pending until acknowledged, so a worker dying in between republishes them on redelivery.
          applyIncidentCorrections: (corrections) =>
            repositories.applyIncidentCorrections(corrections, { pendingPublication: true }),
          pendingIncidentCorrections: repositories.pendingIncidentCorrections,
          storeRetry: { initialDelayMs: env.RETRY_INITIAL_DELAY_MS, maxDelayMs: env.RETRY_MAX_DELAY_MS },
          afterStore: (stored) =>
            reportContentConflicts(stored.conflicts, { logger, metrics: scoringMetrics }),
          onShadowError: (error) => logger.warn({ err: error }, "shadow scoring failed; shadow rows missing"),
        }),
        topics: env.topics,
        groupId: env.KAFKA_GROUP_ID,
        logger,
        metrics: consumerMetrics,
        maxQueueSize: env.KAFKA_MAX_QUEUE_SIZE,
        concurrency: env.KAFKA_NUM_WORKER_THREADS,
        heartbeatIntervalMs: env.KAFKA_HEARTBEAT_INTERVAL_MS,
        retry: { initialDelayMs: env.RETRY_INITIAL_DELAY_MS, maxDelayMs: env.RETRY_MAX_DELAY_MS },
        drainTimeoutMs: env.KAFKA_DRAIN_TIMEOUT_MS,
        ...(options.onFatal ? { onFatal: options.onFatal } : {}),
        acknowledgeCorrections: repositories.acknowledgeIncidentCorrections,
      });
      await streamWorker.start();
      await lagMonitor.start();
      isStarted = true;
    },

    stop: () => lifecycle.stop(),

    stats: () =>
      streamWorker?.stats() ?? {
        assignedPartitions: [],
        queueSize: 0,
        pausedPartitions: 0,
        scored: 0,
        deadLettered: 0,
        skipped: 0,
        commitsFailed: 0,
      },
    isReady: () => isStarted && (streamWorker?.isHealthy() ?? false),
    lag: () => lagMonitor.latest(),

    async health() {
      const isDatabaseUp = await pingDatabase();
      const isKafkaUp = isStarted && (streamWorker?.isHealthy() ?? false);
      const reasons: string[] = [];
      if (!isDatabaseUp) {
        reasons.push("database: PostgreSQL does not answer; store writes retry and offsets stay uncommitted");
      }
      if (!isKafkaUp) {
        reasons.push(isStarted ? "kafka: the consumer stopped for good" : "kafka: not consuming yet");
      }
      return {
        status: !isKafkaUp ? "unavailable" : !isDatabaseUp ? "degraded" : "ok",
        dependencies: {
          database: { status: isDatabaseUp ? "up" : "down", required: false },
          kafka: {
            status: isKafkaUp ? "up" : "down",
            required: true,
            assignedPartitions: streamWorker?.stats().assignedPartitions.length ?? 0,
          },
        },
        reasons,
      };
    },
  };
}
