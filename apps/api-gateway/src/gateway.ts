import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type Cache,
  createCache,
  createMemoryStore,
  createRedisStore,
  type RedisStore,
} from "@chainwatch/cache";
import {
  createCacheMetrics,
  createHttpMetrics,
  createMetricsRegistry,
  createScoringMetrics,
  type Registry,
} from "@chainwatch/metrics";
import { createScorer, loadDefaultModel, parseModelFile, type Scorer } from "@chainwatch/model";
import { createScoringService, staticModelProvider } from "@chainwatch/scoring";
import { type Component, type Logger, once } from "@chainwatch/service-kit";
import type { GatewayEnv } from "./env.ts";
import type { DependencyCheck } from "./http/dependencies.ts";
import { createServer } from "./server.ts";

export interface GatewayOptions {
  env: GatewayEnv;
  logger: Logger;
  isShuttingDown?: () => boolean;
}

export interface Gateway extends Component {
  /** The bound URL once started (port 0 in tests gets a free port). */
  url(): string;
  readonly registry: Registry;
  readonly cache: Cache;
}

export function loadScorer(env: GatewayEnv): Scorer {
  return env.MODEL_PATH
    ? createScorer(parseModelFile(readFileSync(env.MODEL_PATH, "utf8")))
    : loadDefaultModel();
}

/** Builds every collaborator of the HTTP API from the env; `start()` listens, `stop()` drains and closes. */
export function createGateway(options: GatewayOptions): Gateway {
  const { env, logger } = options;
  const registry = createMetricsRegistry({ defaultLabels: { service: "api-gateway" } });
  const scorer = loadScorer(env);
  logger.info(
    { modelVersion: scorer.modelVersion, featureSpecVersion: scorer.featureSpecVersion },
    "model loaded",
  );

  let redisStore: RedisStore | undefined;
  if (env.isRedisEnabled) {
    redisStore = createRedisStore({
      url: env.REDIS_URL ?? "redis://127.0.0.1:6379",
      commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
      connectionName: "chainwatch-api-gateway",
    });
  }
  const store =
    redisStore ??
    createMemoryStore({
      maxEntries: env.MEMORY_CACHE_MAX_ENTRIES,
      maxBytes: env.MEMORY_CACHE_MAX_BYTES,
      onEvict: () => cacheMetrics.evictionsTotal.inc(),
    });
  const cacheMetrics = createCacheMetrics(registry);
  const cache = createCache({
    store,
    logger: logger.child({ component: "cache" }),
    metrics: cacheMetrics,
    ttlSeconds: {
      prediction: env.CACHE_TTL_PREDICTION_SECONDS,
      feature: env.CACHE_TTL_FEATURE_SECONDS,
      query: env.CACHE_TTL_QUERY_SECONDS,
      model: env.CACHE_TTL_MODEL_SECONDS,
    },
  });
  const scoring = createScoringService({
    models: staticModelProvider(scorer),
    cache,
    metrics: createScoringMetrics(registry),
  });
  const httpMetrics = createHttpMetrics(registry);

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
      name: "model",
      isRequired: true,
      check: async () => ({ isUp: true, detail: { version: scorer.modelVersion } }),
    },
  ];

  const app = createServer({
    env,
    logger,
    registry,
    httpMetrics,
    cache,
    scoring,
    dependencies,
    ...(redisStore ? { rateLimitRedis: redisStore.client } : {}),
    onRateLimitStoreError: () => httpMetrics.rateLimitStoreErrorsTotal.inc(),
    isShuttingDown: options.isShuttingDown ?? (() => false),
  });

  let server: Server | undefined;
  return {
    registry,
    cache,
    async start() {
      if (redisStore && !(await redisStore.waitUntilReady(3_000))) {
        logger.warn({ redisUrl: redactUrl(env.REDIS_URL) }, "redis not reachable at start; running degraded");
      }
      const listening = app.listen(env.PORT, env.HOST);
      server = listening;
      await new Promise<void>((resolve, reject) => {
        listening.once("listening", resolve);
        listening.once("error", reject);
      });
      // Keep-alive longer than typical load balancer idle timeouts (60 s) avoids races on reused sockets.
      listening.keepAliveTimeout = 65_000;
      listening.headersTimeout = 66_000;
    },
    stop: once(async () => {
      const closing = server;
      if (closing) {
        await new Promise<void>((resolve) => {
          closing.close(() => resolve());
          closing.closeIdleConnections();
        });
      }
      await cache.close();
    }),
    url() {
      const address = server?.address() as AddressInfo | null;
      const host = env.HOST === "0.0.0.0" || env.HOST === "::" ? "127.0.0.1" : env.HOST;
      return `http://${host}:${address?.port ?? env.PORT}`;
    },
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
