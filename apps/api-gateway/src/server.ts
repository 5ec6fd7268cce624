import type { Cache } from "@chainwatch/cache";
import type { HttpMetrics, Registry } from "@chainwatch/metrics";
import type { NormalizedTransaction } from "@chainwatch/model";
import type { ScoreResult, ScoringService } from "@chainwatch/scoring";
import type { Logger } from "@chainwatch/service-kit";
import type { AuthRepositories, Repositories } from "@chainwatch/store";
import compression from "compression";
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from "express";
import type { AuditLog } from "./auth/audit-log.ts";
import type { Authenticator } from "./auth/authenticator.ts";
import { authenticate, authorize } from "./auth/middleware.ts";
import type { Sessions } from "./auth/sessions.ts";
import type { GatewayEnv } from "./env.ts";
import type { DependencyCheck } from "./http/dependencies.ts";
import { logMappedError, mapError } from "./http/error-response.ts";
import { HttpError } from "./http/errors.ts";
import { cors } from "./middleware/cors.ts";
import { jsonSafety } from "./middleware/json-safety.ts";
import { createRateLimiter } from "./middleware/rate-limit.ts";
import { requestId, requestIdOf } from "./middleware/request-id.ts";
import { requestMetrics } from "./middleware/request-metrics.ts";
import { requireJsonContentType } from "./middleware/require-json.ts";
import { securityHeaders } from "./middleware/security-headers.ts";
import { sizeLimit } from "./middleware/size-limit.ts";
import { renderDocsPage } from "./openapi/docs-page.ts";
import { buildOpenApiDocument } from "./openapi/document.ts";
import type { AnomalyQueryCache } from "./persistence/anomaly-query-cache.ts";
import type { CacheWarmJobs } from "./persistence/cache-warm-jobs.ts";
import { anomalyRoutes } from "./routes/anomalies.ts";
import { auditLogRoutes } from "./routes/audit-logs.ts";
import { authRoutes } from "./routes/auth.ts";
import { cacheWarmRoutes } from "./routes/cache-warm.ts";
import { healthRoutes } from "./routes/health.ts";
import { ingestRoutes } from "./routes/ingest.ts";
import { methodNotAllowed } from "./routes/method-not-allowed.ts";
import { type ModelRouteOptions, modelRoutes } from "./routes/models.ts";
import { predictRoutes } from "./routes/predict.ts";
import { streamStatusRoutes } from "./routes/stream-status.ts";
import { transactionRoutes } from "./routes/transactions.ts";
import type { Streaming } from "./streaming/create-streaming.ts";

export interface ServerDeps {
  env: GatewayEnv;
  logger: Logger;
  registry: Registry;
  httpMetrics: HttpMetrics;
  cache: Cache;
  scoring: ScoringService;
  repositories: Repositories;
  queryCache: AnomalyQueryCache;
  warmJobs: CacheWarmJobs;
  onScored: (transactions: readonly NormalizedTransaction[], results: readonly ScoreResult[]) => void;
  dependencies: readonly DependencyCheck[];
  /** Ingest (Kafka or embedded) and stream status. */
  streaming: Pick<Streaming, "ingest" | "status">;
  security: {
    authenticator: Authenticator;
    audit: AuditLog;
    sessions: Sessions;
    repositories: AuthRepositories;
  };
  /** The model lifecycle API (registry, serving set, training and drift); audit comes from `security`. */
  models?: Omit<ModelRouteOptions, "audit">;
  /** Redis client for shared rate limits; undefined → per-process limits. */
  rateLimitRedis?: { call(command: string, ...args: string[]): Promise<unknown> };
  onRateLimitStoreError?: () => void;
  isShuttingDown?: () => boolean;
  version?: string;
}

/** Routes that probes and scrapers call; never rate limited. */
const isOperationalPath = (path: string) =>
  path === "/metrics" || path === "/health" || path.startsWith("/health/");
/** Batch routes carry up to 1000 transactions: the large body limit, and the batch rate-limit tier. */
const isBatchPath = (path: string) => path.startsWith("/api/v1/batch/");
const isLoginPath = (path: string) => /^\/api\/v1\/auth\/(login|refresh|register)$/.test(path);
/**
 * Routes whose answers are always far below GZIP_MIN_SIZE (a single prediction is ~600 B, an error a few
 * hundred), so compression could never apply. compression still wraps res.write/end/on/writeHead, adds a
 * close listener, looks up the content type and sets Vary on every response it sees; skipping it here is
 * the same bytes on the wire for less CPU.
 */
const isSmallAnswerPath = (path: string) => path === "/api/v1/predict";

/** Builds the app without listening, so tests drive it on an ephemeral port. */
export function createServer(deps: ServerDeps): Express {
  const { env, logger } = deps;
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", parseTrustProxy(env.TRUST_PROXY));
  app.set("json spaces", 0);
  // No ETags: nothing here is served conditionally, and Express would hash (SHA-1) every JSON body and turn
  // it into a Buffer (headers and body then leave in two chunks). Measured on a bare Express app with the
  // predict response: 66 → 55 µs of CPU per request (loadtests, docs/benchmarks.md).
  app.set("etag", false);

  app.use(requestId());
  app.use(
    requestMetrics({
      metrics: deps.httpMetrics,
      logger,
      slowRequestThresholdSeconds: env.SLOW_REQUEST_THRESHOLD,
    }),
  );
  app.use(securityHeaders());
  if (env.corsOrigins.length > 0) app.use(cors(env.corsOrigins));
  const compress = compression({ threshold: env.GZIP_MIN_SIZE, level: env.GZIP_COMPRESSION_LEVEL });
  app.use((req, res, next) => (isSmallAnswerPath(req.path) ? next() : compress(req, res, next)));
  // Batch routes carry up to 1000 transactions; every other route gets a much smaller body limit.
  const limitLargeBody = sizeLimit(env.MAX_REQUEST_SIZE);
  const limitSmallBody = sizeLimit(env.MAX_SMALL_REQUEST_SIZE);
  app.use((req, res, next) => (isBatchPath(req.path) ? limitLargeBody : limitSmallBody)(req, res, next));
  // Who is calling is settled from headers alone, before any body is read.
  app.use(authenticate(deps.security.authenticator));
  if (env.ENABLE_RATE_LIMITING) {
    const shared = {
      ...(deps.rateLimitRedis ? { redis: deps.rateLimitRedis } : {}),
      logger,
      ...(deps.onRateLimitStoreError ? { onStoreError: deps.onRateLimitStoreError } : {}),
    };
    const limitLogin = createRateLimiter({
      ...shared,
      tier: "login",
      requestsPerMinute: env.RATE_LIMIT_LOGIN_RPM,
      burst: 0,
    });
    const limitBatch = createRateLimiter({
      ...shared,
      tier: "batch",
      requestsPerMinute: env.RATE_LIMIT_BATCH_RPM,
      burst: 0,
    });
    const limitDefault = createRateLimiter({
      ...shared,
      tier: "default",
      requestsPerMinute: env.RATE_LIMIT_RPM,
      burst: env.RATE_LIMIT_BURST,
    });
    // One tier per request, chosen here: three chained limiters that each skip cost three async passes.
    app.use((req, res, next) => {
      const path = req.path;
      if (isOperationalPath(path)) next();
      else if (isLoginPath(path)) void limitLogin(req, res, next);
      else if (isBatchPath(path)) void limitBatch(req, res, next);
      else void limitDefault(req, res, next);
    });
  }
  app.use(authorize(deps.security.audit));
  app.use(requireJsonContentType());
  const parseLargeJson = express.json({ limit: env.MAX_REQUEST_SIZE, strict: true });
  const parseSmallJson = express.json({ limit: env.MAX_SMALL_REQUEST_SIZE, strict: true });
  app.use((req, res, next) => (isBatchPath(req.path) ? parseLargeJson : parseSmallJson)(req, res, next));
  app.use(
    jsonSafety({
      maxDepth: env.JSON_MAX_DEPTH,
      maxArrayLength: env.JSON_MAX_ARRAY_LENGTH,
      maxStringLength: env.JSON_MAX_STRING_LENGTH,
      maxKeys: env.JSON_MAX_KEYS,
    }),
  );

  app.use(
    healthRoutes({
      dependencies: deps.dependencies,
      cache: deps.cache,
      registry: deps.registry,
      modelVersion: deps.scoring.modelVersion,
      isShuttingDown: deps.isShuttingDown ?? (() => false),
      startedAt: new Date(),
    }),
  );
  app.use(
    predictRoutes({ scoring: deps.scoring, batchMaxItems: env.BATCH_MAX_ITEMS, onScored: deps.onScored }),
  );
  app.use(ingestRoutes({ ingest: deps.streaming.ingest, batchMaxItems: env.BATCH_MAX_ITEMS }));
  app.use(streamStatusRoutes({ status: deps.streaming.status }));
  app.use(transactionRoutes({ repositories: deps.repositories }));
  app.use(anomalyRoutes({ repositories: deps.repositories, queryCache: deps.queryCache }));
  app.use(cacheWarmRoutes({ jobs: deps.warmJobs, audit: deps.security.audit }));
  app.use(
    authRoutes({
      repositories: deps.security.repositories,
      authenticator: deps.security.authenticator,
      sessions: deps.security.sessions,
      audit: deps.security.audit,
      loginMaxFailures: env.LOGIN_MAX_FAILURES,
      loginLockSeconds: env.LOGIN_LOCK_SECONDS,
    }),
  );
  app.use(auditLogRoutes({ repositories: deps.security.repositories }));
  if (deps.models) app.use(modelRoutes({ ...deps.models, audit: deps.security.audit }));

  const openApi = buildOpenApiDocument({
    batchMaxItems: env.BATCH_MAX_ITEMS,
    version: deps.version ?? "0.0.0",
  });
  const docsPage = renderDocsPage(openApi);
  app
    .route("/openapi.json")
    .get((_req, res) => {
      res.json(openApi);
    })
    .all(methodNotAllowed(["GET"]));
  app
    .route("/docs")
    .get((_req, res) => {
      res.type("html").send(docsPage);
    })
    .all(methodNotAllowed(["GET"]));

  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}

const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, "NOT_FOUND", `no route for ${req.method} ${req.path.slice(0, 200)}`));
};

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const mapped = mapError(error, requestIdOf(res));
    res.locals.errorCode = mapped.body.code;
    logMappedError(logger, error, mapped);
    res.status(mapped.status).set(mapped.headers).json(mapped.body);
  };
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value === "true") return true;
  if (value === "false") return false;
  const hops = Number(value);
  return Number.isInteger(hops) ? hops : value;
}
