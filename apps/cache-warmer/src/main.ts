import { createCacheFromEnv } from "@chainwatch/cache";
import {
  createCacheMetrics,
  createMetricsRegistry,
  createScoringMetrics,
  createWarmerMetrics,
} from "@chainwatch/metrics";
import { createScorer } from "@chainwatch/model";
import {
  createRegistryModelProvider,
  createScoringService,
  loadBootstrapModelFile,
  type ModelProvider,
  type RegistryModelProvider,
  staticModelProvider,
} from "@chainwatch/scoring";
import {
  createHealthServer,
  createLifecycle,
  createLogger,
  createShutdownRegistry,
  loadEnvOrExit,
} from "@chainwatch/service-kit";
import { createModelRegistry, createRepositories, openPostgresFromEnv } from "@chainwatch/store";
import { loadEnv } from "./env.ts";
import { readJsonlBatches } from "./jsonl-batches.ts";
import { createWarmer } from "./warmer.ts";

const env = loadEnvOrExit("cache-warmer", () => loadEnv());
const logger = createLogger({ name: "cache-warmer", level: env.LOG_LEVEL });
for (const note of env.configNotes) logger.warn({ note }, "configuration alias");
const shutdown = createShutdownRegistry({ logger, timeoutMs: env.SHUTDOWN_TIMEOUT_MS });
shutdown.installSignalHandlers();
// Every client and timer below is a step of one lifecycle, stopped in reverse with each failure isolated.
const lifecycle = createLifecycle({ logger });
shutdown.register("cache warmer", () => lifecycle.stop());

const registry = createMetricsRegistry({ defaultLabels: { service: "cache-warmer" } });
const fallbackModel = loadBootstrapModelFile(env.MODEL_PATH);
const fallbackScorer = createScorer(fallbackModel.model);

// The same settings and factory as the gateway and workers: TTLs included, so warmed entries live as long.
const { cache, redisStore } = createCacheFromEnv(env, {
  logger,
  metrics: createCacheMetrics(registry),
  connectionName: "chainwatch-cache-warmer",
});
lifecycle.add("cache", { stop: () => cache.close() });
if (redisStore && !(await redisStore.waitUntilReady(5_000)))
  logger.warn({}, "redis not reachable yet; writes will be dropped until it is");

const database = env.DATABASE_URL
  ? await openPostgresFromEnv(
      { ...env, DATABASE_URL: env.DATABASE_URL },
      { applicationName: "chainwatch-cache-warmer" },
    )
  : undefined;
if (database) lifecycle.add("database", { stop: () => database.close() });

/**
 * With a database, the registry decides what is active (as for the gateway and workers), re-read before
 * each run. Without one, or for as long as its registry has never loaded (empty, unreachable), MODEL_PATH
 * (or the shipped model); once loaded, a failed poll keeps the last set.
 */
const registryModels: RegistryModelProvider | undefined = database
  ? createRegistryModelProvider({
      registry: createModelRegistry(database),
      intervalMs: env.MODEL_REFRESH_INTERVAL_SECONDS * 1000,
      logger: logger.child({ component: "model-registry" }),
      preloaded: [fallbackModel],
    })
  : undefined;
const fallbackModels = staticModelProvider(fallbackScorer);
const servingModels = (): ModelProvider => (registryModels?.loadedSet() ? registryModels : fallbackModels);
const models: ModelProvider = {
  current: () => servingModels().current(),
  serving: () => servingModels().serving(),
};

const warmer = createWarmer({
  scoring: createScoringService({
    models,
    cache,
    metrics: createScoringMetrics(registry),
  }),
  cache,
  metrics: createWarmerMetrics(registry),
  logger,
  concurrency: env.WARM_CONCURRENCY,
  activeModel: () =>
    registryModels?.loadedSet()
      ? { version: registryModels.activeModel().modelVersion, fileJson: registryModels.activeFileJson() }
      : { version: fallbackModel.model.modelVersion, fileJson: fallbackModel.fileJson },
  ...(database && env.WARM_RECENT > 0
    ? { recent: { repositories: createRepositories(database), count: env.WARM_RECENT } }
    : {}),
});

const runOnce = async () => {
  await registryModels
    ?.refresh()
    .catch((error: unknown) =>
      logger.warn(
        { err: error },
        registryModels.loadedSet()
          ? "model registry poll failed; warming the last set"
          : "model registry not usable; warming with MODEL_PATH's (or the shipped) model",
      ),
    );
  return warmer.run(
    env.WARM_INPUT_FILE ? readJsonlBatches(env.WARM_INPUT_FILE, env.WARM_BATCH_SIZE) : undefined,
  );
};

if (env.WARM_INTERVAL_SECONDS === 0) {
  // Job mode: one run, exit code says whether everything was written.
  const report = await runOnce().catch((error: unknown) => {
    logger.error({ err: error }, "cache warming failed");
    return undefined;
  });
  await shutdown.shutdown("job finished", report?.modelWarmed && report.failed === 0 ? 0 : 1);
} else {
  let lastRunOk = false;
  const health = createHealthServer({
    port: env.HEALTH_PORT,
    host: env.HEALTH_HOST,
    isReady: () => !shutdown.isShuttingDown,
    details: () => ({ lastRunOk, intervalSeconds: env.WARM_INTERVAL_SECONDS }),
    metrics: { contentType: registry.contentType, text: () => registry.metrics() },
  });
  await health.start();
  lifecycle.add("health server", { stop: () => health.stop() });
  let timer: NodeJS.Timeout | undefined;
  const loop = async () => {
    try {
      const report = await runOnce();
      lastRunOk = report.modelWarmed && report.failed === 0;
    } catch (error) {
      lastRunOk = false;
      logger.error({ err: error }, "cache warming failed");
    }
    if (!shutdown.isShuttingDown) timer = setTimeout(() => void loop(), env.WARM_INTERVAL_SECONDS * 1000);
  };
  lifecycle.add("schedule", { stop: () => clearTimeout(timer) });
  logger.info(
    { intervalSeconds: env.WARM_INTERVAL_SECONDS, healthPort: health.port() },
    "cache warmer scheduled",
  );
  await loop();
}
