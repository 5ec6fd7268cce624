import { randomBytes } from "node:crypto";
import { createAlerting } from "@chainwatch/alerts";
import { type Cache, createCacheFromEnv } from "@chainwatch/cache";
import { createScreeningSet, openContextFromEnv, type ScreeningSet } from "@chainwatch/context";
import { parseBrokerList } from "@chainwatch/kafka/formats";
import {
  createAlertMetrics,
  createCacheMetrics,
  createHealthMetrics,
  createHttpMetrics,
  createMetricsRegistry,
  createScoringMetrics,
  createStoreMetrics,
  type Registry,
} from "@chainwatch/metrics";
import {
  createScoringService,
  openRegistryModelsFromEnv,
  type RegistryModelProvider,
  reportContentConflicts,
  type ScoredItem,
  servingRoles,
} from "@chainwatch/scoring";
import { type Component, createHealthServer, createLifecycle, type Logger } from "@chainwatch/service-kit";
import {
  createAuthRepositories,
  createLabelRepository,
  createModelRegistry,
  createRepositories,
  createReviewRepository,
  type Database,
  type ModelRegistry,
  runMigrations,
  type TransactionConflict,
} from "@chainwatch/store";
import { alertsOfScored } from "./alerts/embedded-alerts.ts";
import { createAuditLog } from "./auth/audit-log.ts";
import { createAuthenticator } from "./auth/authenticator.ts";
import { bootstrapAdminKey } from "./auth/bootstrap.ts";
import { createSessions } from "./auth/sessions.ts";
import { createTokenService } from "./auth/tokens.ts";
import type { GatewayEnv } from "./env.ts";
import { checkDependencies, type DependencyCheck } from "./http/dependencies.ts";
import { createHttpServer } from "./http/http-server.ts";
import { AUTO_BASELINE_ACTOR, createAutoBaseline } from "./models/auto-baseline.ts";
import { createModelOperations } from "./models/model-operations.ts";
import { trainBaselineInThread } from "./models/train-baseline.ts";
import { createAnomalyQueryCache } from "./persistence/anomaly-query-cache.ts";
import { createCacheWarmJobs } from "./persistence/cache-warm-jobs.ts";
import { createGatewayPipeline } from "./persistence/gateway-pipeline.ts";
import { openDatabase } from "./persistence/open-database.ts";
import { createRescreenJobs } from "./persistence/rescreen-jobs.ts";
import { seedShippedListsAtStart } from "./screening/shipped-lists-at-start.ts";
import { createServer } from "./server.ts";
import { createEmbeddedChainFollow } from "./streaming/chain-follow.ts";
import { createStreaming } from "./streaming/create-streaming.ts";

export interface GatewayOptions {
  env: GatewayEnv;
  logger: Logger;
  isShuttingDown?: () => boolean;
  /** An already-open database (tests share one); the caller keeps ownership and closes it. */
  database?: Database;
  /** The console build to serve under /console (tests give a directory of their own); see server.ts. */
  consoleDir?: string;
}

export interface Gateway extends Component {
  /** An admin key generated for the embedded database at this start, to show the operator once. */
  readonly generatedAdminKey: string | undefined;
  /** The bound URL once started (port 0 in tests gets a free port). */
  url(): string;
  readonly registry: Registry;
  readonly cache: Cache;
  /** The serving set, polled from the model registry. */
  readonly models: RegistryModelProvider;
  readonly modelRegistry: ModelRegistry;
  /** This replica's screening lists and suppressions; undefined when SCREENING_ENABLED=false. */
  readonly screening: ScreeningSet | undefined;
}

/**
 * Builds every collaborator of the HTTP API from the env (opening the database and running migrations);
 * `start()` listens, `stop()` drains HTTP, flushes pending writes and closes clients.
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { env, logger } = options;
  const registry = createMetricsRegistry({ defaultLabels: { service: "api-gateway" } });
  const scoringMetrics = createScoringMetrics(registry);

  const { cache, redisStore } = createCacheFromEnv(env, {
    logger,
    metrics: createCacheMetrics(registry),
    connectionName: "chainwatch-api-gateway",
  });
  const database = options.database ?? (await openDatabase(env, logger));
  if (options.database) await runMigrations(options.database);
  const repositories = createRepositories(database);
  // The registry is the single source of truth for what serves; on a first start it gets the shipped model
  // (or MODEL_PATH's). A refused file at start is fatal, as a bad MODEL_PATH always was.
  const modelRegistry = createModelRegistry(database);
  const models = await openRegistryModelsFromEnv(env, {
    registry: modelRegistry,
    logger,
    metrics: scoringMetrics,
    cache,
  });
  const queryCache = createAnomalyQueryCache(cache);
  // A known hash stored again with other content (predict, embedded ingest): the store wrote the conflict and
  // its audit entry (action transaction.conflict) in the same statement; here it is logged and counted.
  const reportConflicts = (conflicts: readonly TransactionConflict[]) =>
    reportContentConflicts(conflicts, { logger, metrics: scoringMetrics });
  const warmJobs = createCacheWarmJobs({
    repositories,
    cache,
    logger,
    maxConcurrentJobs: env.CACHE_WARM_MAX_CONCURRENT_JOBS,
  });
  const security = await createSecurity(env, logger, database);
  const context = openContextFromEnv(env, {
    connectionName: "chainwatch-api-gateway-context",
    logger: logger.child({ component: "context" }),
  });
  const labels = createLabelRepository(database);
  const screening = env.SCREENING_ENABLED
    ? createScreeningSet({
        snapshot: () => labels.screeningSnapshot(),
        revision: () => labels.screeningRevision(),
        intervalMs: env.SCREENING_REFRESH_INTERVAL_SECONDS * 1000,
        logger: logger.child({ component: "screening" }),
      })
    : undefined;
  const review = createReviewRepository(database);
  const rescreenJobs = createRescreenJobs({
    review,
    screening,
    riskThreshold: env.RISK_THRESHOLD,
    logger: logger.child({ component: "rescreen" }),
    maxConcurrentJobs: env.RESCREEN_MAX_CONCURRENT_JOBS,
    // The request that started the job is audited by the route; the outcome when it ends, here.
    onFinished: (job, actor) =>
      security.audit.recordSystem("rescreen", {
        action: "address.rescreen.finished",
        outcome: job.status === "succeeded" ? "success" : "failure",
        resource: `address ${job.address}`,
        details: {
          jobId: job.id,
          requestedBy: actor,
          total: job.total,
          processed: job.processed,
          changed: job.changed,
          anomaliesInserted: job.anomaliesInserted,
        },
      }),
  });
  const scoring = createScoringService({
    models,
    cache,
    metrics: scoringMetrics,
    ...(context.scorer ? { context: context.scorer } : {}),
    ...(screening ? { screening } : {}),
    riskThreshold: env.RISK_THRESHOLD,
  });
  const pipeline = createGatewayPipeline({
    env,
    logger,
    scoring,
    repositories,
    storeMetrics: createStoreMetrics(registry),
    afterStore: async (stored) => {
      if (stored.conflicts && stored.conflicts.length > 0) reportConflicts(stored.conflicts);
      // New anomalies invalidate cached anomaly pages only once durable: no replica caches a page without them.
      if (stored.anomalies > 0) await queryCache.invalidate();
    },
    onIncidentsCorrected: async (corrected) => {
      if (corrected.some((row) => row.isAnomaly)) await queryCache.invalidate();
    },
  });
  const modelOperations = createModelOperations({
    registry: modelRegistry,
    servedFeatureVectors: repositories.servedFeatureVectors,
    models,
    database,
    metrics: scoringMetrics,
    logger: logger.child({ component: "model-operations" }),
    trainingDataDir: env.MODEL_TRAINING_DATA_DIR,
    trainingLimits: {
      maxConcurrentJobs: env.MODEL_TRAINING_MAX_CONCURRENT_JOBS,
      maxRows: env.MODEL_TRAINING_MAX_ROWS,
      maxMemoryMb: env.MODEL_TRAINING_MAX_MEMORY_MB,
    },
  });
  const autoBaseline = createAutoBaseline({
    registry: modelRegistry,
    servedFeatureVectors: repositories.servedFeatureVectors,
    countServedFeatureVectors: repositories.countServedFeatureVectors,
    train: (rows) =>
      trainBaselineInThread(rows, { maxOldGenerationSizeMb: env.MODEL_TRAINING_MAX_MEMORY_MB }),
    isDriftAlarm: () => modelOperations.isDriftAlarm(),
    audit: (event) => security.audit.recordSystem(AUTO_BASELINE_ACTOR, event),
    logger: logger.child({ component: "auto-baseline" }),
    config: {
      minTransactions: env.AUTO_BASELINE_MIN_TRANSACTIONS,
      retrainIntervalMs: env.AUTO_BASELINE_RETRAIN_INTERVAL_HOURS * 3_600_000,
      trainingRows: env.AUTO_BASELINE_TRAINING_ROWS,
      shadowMinTransactions: env.AUTO_BASELINE_SHADOW_MIN_TRANSACTIONS,
      maxFlagRate: env.AUTO_BASELINE_MAX_FLAG_RATE,
      maxFlagRateRatio: env.AUTO_BASELINE_MAX_FLAG_RATE_RATIO,
      minAgreement: env.AUTO_BASELINE_MIN_AGREEMENT,
    },
  });
  const httpMetrics = createHttpMetrics(registry);
  const alerting = createAlerting({
    database,
    env,
    // Its parts name themselves (alert-dispatcher, alert-sender): one component field per line.
    logger,
    metrics: createAlertMetrics(registry),
  });
  // Embedded mode delivers alerts in process (the same dispatcher as apps/alert-dispatcher); in Kafka mode
  // the dispatchers consume the anomalies topic and this process only serves the alerts API.
  const isEmbedded = parseBrokerList(env.KAFKA_BROKERS ?? "").length === 0;
  const alertScored = async (scored: readonly ScoredItem<number>[]) => {
    const alerts = alertsOfScored(scored, alerting.linkBaseUrl);
    if (alerts.length === 0) return;
    const routed = await alerting.router.route(alerts);
    if (routed.queued > 0) alerting.dispatcher.notify();
  };
  const chainFollow = await createEmbeddedChainFollow({
    env,
    logger,
    registry,
    database,
    pipeline,
    onRetracted: () => queryCache.invalidate(),
    ...(isEmbedded ? { afterScored: alertScored } : {}),
  });
  const streaming = await createStreaming({
    env,
    logger,
    registry,
    pipeline,
    ...(isEmbedded ? { afterScored: alertScored } : {}),
    ...(chainFollow ? { chainStatus: chainFollow.status } : {}),
  });

  const dependencies: DependencyCheck[] = [
    {
      name: "cache",
      isRequired: redisStore !== undefined && env.REDIS_REQUIRED,
      check: async () => {
        const health = await cache.health();
        return { isUp: health.status === "ok", detail: { backend: health.backend } };
      },
    },
    {
      name: "database",
      isRequired: env.DATABASE_REQUIRED,
      check: async () => ({
        isUp: (await database.ping()) && pipeline.isDeferredHealthy(),
        detail: { driver: database.driver, writeQueueDepth: pipeline.deferredDepth() },
      }),
    },
    {
      name: "model",
      isRequired: true,
      check: async () => ({
        isUp: true,
        detail: { version: models.current().modelVersion, revision: models.revision() },
      }),
    },
  ];

  if (streaming.dependency) dependencies.push(streaming.dependency);
  if (chainFollow) dependencies.push(chainFollow.dependency);

  createHealthMetrics(registry, {
    checkDependencies: async () => {
      const report = await checkDependencies(dependencies);
      return Object.fromEntries(
        Object.entries(report.dependencies).map(([name, state]) => [name, state.status === "up"]),
      );
    },
    activeModels: () => servingRoles(models.loadedSet()),
  });

  // The app needs to know when the listener drains (to answer with Connection: close) before it exists.
  let isDraining = () => false;
  const isShuttingDown = () => isDraining() || (options.isShuttingDown?.() ?? false);
  const app = createServer({
    env,
    logger,
    registry,
    httpMetrics,
    cache,
    scoring,
    repositories,
    queryCache,
    warmJobs,
    labels,
    review,
    rescreenJobs,
    addressState: context.peek,
    security,
    pipeline,
    dependencies,
    streaming,
    models: {
      registry: modelRegistry,
      models,
      operations: modelOperations,
      autoBaseline: { policy: autoBaseline, enabled: env.AUTO_BASELINE_ENABLED },
    },
    alerting,
    ...(redisStore ? { rateLimitRedis: redisStore.client } : {}),
    onRateLimitStoreError: () => httpMetrics.rateLimitStoreErrorsTotal.inc(),
    isShuttingDown,
    ...(options.consoleDir !== undefined ? { consoleDir: options.consoleDir } : {}),
  });
  const httpServer = createHttpServer({
    app,
    port: env.PORT,
    host: env.HOST,
    drainMs: env.HTTP_DRAIN_TIMEOUT_MS,
    logger,
  });
  isDraining = () => httpServer.isDraining;

  // Started in this order, stopped in reverse: HTTP stops first, then what feeds the store, then clients.
  const lifecycle = createLifecycle({ logger });
  lifecycle.add("cache", {
    start: async () => {
      if (redisStore && !(await redisStore.waitUntilReady(3_000)))
        logger.warn({ redisUrl: redactUrl(env.REDIS_URL) }, "redis not reachable at start; running degraded");
    },
    stop: async () => {
      await context.close();
      await cache.close();
    },
  });
  if (!options.database) lifecycle.add("database", { stop: () => database.close() });
  lifecycle.add("transaction pipeline", { start: () => pipeline.start(), stop: () => pipeline.stop() });
  lifecycle.add("audit log", { start: () => security.audit.start(), stop: () => security.audit.stop() });
  lifecycle.add("model registry poller", { start: () => models.start(), stop: () => models.stop() });
  if (screening)
    lifecycle.add("screening lists", {
      start: async () => {
        if (env.SCREENING_SEED_SHIPPED_LISTS) await seedShippedListsAtStart(labels, logger);
        await screening.start();
      },
      stop: () => screening.stop(),
    });
  lifecycle.add("model operations", { stop: () => modelOperations.stop() });
  if (env.DRIFT_CHECK_INTERVAL_SECONDS > 0)
    lifecycle.add(
      "drift schedule",
      everyInterval(env.DRIFT_CHECK_INTERVAL_SECONDS * 1000, () => runScheduledDrift()),
    );
  if (env.AUTO_BASELINE_ENABLED)
    lifecycle.add(
      "auto-baseline",
      everyInterval(env.AUTO_BASELINE_CHECK_INTERVAL_SECONDS * 1000, () => autoBaseline.tick()),
    );
  lifecycle.add("alerts", {
    start: async () => {
      const resealed = await alerting.destinations.reseal(alerting.secrets).catch((error: unknown) => {
        logger.warn({ err: error }, "alert signing secrets not resealed");
        return 0;
      });
      if (resealed > 0) logger.info({ resealed }, "alert signing secrets sealed with the current key");
      if (isEmbedded) await alerting.dispatcher.start();
    },
    stop: async () => {
      await alerting.dispatcher.stop();
      alerting.close();
    },
  });
  lifecycle.add("cache warm jobs", { stop: () => warmJobs.drain() });
  lifecycle.add("rescreen jobs", { stop: () => rescreenJobs.drain() });
  lifecycle.add("streaming", { stop: () => streaming.stop() });
  // Scores into the pipeline and the store, so it starts after them and stops before them.
  if (chainFollow) lifecycle.add("chain follower", chainFollow.follower);
  // last_used_at is written once a minute for all keys seen, not on each request, and once more at stop.
  const flushKeyUsage = () => security.authenticator.flushKeyUsage().catch(() => {});
  const keyUsage = everyInterval(60_000, flushKeyUsage);
  lifecycle.add("key usage", {
    start: keyUsage.start,
    stop: async () => {
      keyUsage.stop();
      await flushKeyUsage();
    },
  });
  if (env.METRICS_PORT !== undefined) {
    // Scrapers reach /metrics on an internal port only; it stays up until the API has drained.
    lifecycle.add(
      "metrics server",
      createHealthServer({
        port: env.METRICS_PORT,
        host: env.HOST,
        isReady: () => !isShuttingDown(),
        metrics: { contentType: registry.contentType, text: () => registry.metrics() },
      }),
    );
  }
  lifecycle.add("http server", httpServer);

  async function runScheduledDrift() {
    try {
      const report = await modelOperations.scheduledDriftCheck(env.DRIFT_CHECK_INTERVAL_SECONDS * 1000);
      if (!report) return;
      const log = report.severity === "none" ? logger.info.bind(logger) : logger.warn.bind(logger);
      log(
        {
          severity: report.severity,
          driftedFeatures: report.driftedFeatures,
          rows: report.recentRows,
          reportId: report.id,
        },
        "scheduled drift check",
      );
    } catch (error) {
      logger.warn({ err: error }, "scheduled drift check failed");
    }
  }

  return {
    registry,
    cache,
    models,
    modelRegistry,
    screening,
    generatedAdminKey: security.generatedAdminKey,
    start: () => lifecycle.start(),
    stop: () => lifecycle.stop(),
    url: () => httpServer.url(),
  };
}

/** A timer as a lifecycle step; unref'd, so it never keeps the process alive on its own. */
function everyInterval(intervalMs: number, tick: () => unknown) {
  let timer: NodeJS.Timeout | undefined;
  return {
    start: () => {
      timer = setInterval(() => void tick(), intervalMs);
      timer.unref();
    },
    stop: () => clearInterval(timer),
  };
}

async function createSecurity(env: GatewayEnv, logger: Logger, database: Database) {
  const repositories = createAuthRepositories(database);
  if (!env.JWT_SECRET) {
    logger.warn(
      {},
      "JWT_SECRET not set: using a random secret; user sessions end at restart and are per replica",
    );
  }
  const tokens = createTokenService({
    secret: env.JWT_SECRET ?? randomBytes(32).toString("hex"),
    accessTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
  });
  const generatedAdminKey = await bootstrapAdminKey({
    repositories,
    logger,
    configuredKey: env.BOOTSTRAP_ADMIN_API_KEY,
  });
  return {
    repositories,
    authenticator: createAuthenticator({
      repositories,
      tokens,
      cacheTtlMs: env.AUTH_CACHE_TTL_SECONDS * 1000,
      staleOnErrorMs: env.AUTH_STALE_ON_ERROR_SECONDS * 1000,
    }),
    sessions: createSessions({ repositories, tokens, refreshTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS }),
    audit: createAuditLog({ repositories, logger }),
    generatedAdminKey,
  };
}

function redactUrl(url: string | undefined): string | undefined {
  if (!url) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(invalid url)";
  }
}
