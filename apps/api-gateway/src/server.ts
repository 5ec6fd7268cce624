import type { Cache } from "@chainwatch/cache";
import type { AddressState } from "@chainwatch/context";
import type { HttpMetrics, Registry } from "@chainwatch/metrics";
import type { ScoringService, TransactionPipeline } from "@chainwatch/scoring";
import type { Logger } from "@chainwatch/service-kit";
import type { AuthRepositories, LabelRepository, Repositories, ReviewRepository } from "@chainwatch/store";
import compression from "compression";
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from "express";
import type { AuditLog } from "./auth/audit-log.ts";
import type { Authenticator } from "./auth/authenticator.ts";
import { authenticate, authorize, denyUnmatched } from "./auth/middleware.ts";
import type { Sessions } from "./auth/sessions.ts";
import { createConsoleFiles, defaultConsoleDir } from "./console/console-files.ts";
import type { GatewayEnv } from "./env.ts";
import type { DependencyCheck } from "./http/dependencies.ts";
import type { Endpoint } from "./http/endpoint.ts";
import { logMappedError, mapError } from "./http/error-response.ts";
import { HttpError } from "./http/errors.ts";
import { mountEndpoints } from "./http/mount-endpoints.ts";
import { cors } from "./middleware/cors.ts";
import { jsonSafety } from "./middleware/json-safety.ts";
import { createRateLimiter } from "./middleware/rate-limit.ts";
import { requestId, requestIdOf } from "./middleware/request-id.ts";
import { requestMetrics } from "./middleware/request-metrics.ts";
import { requireJsonContentType } from "./middleware/require-json.ts";
import { securityHeaders } from "./middleware/security-headers.ts";
import { sizeLimit } from "./middleware/size-limit.ts";
import { buildOpenApiDocument, type OpenApiDocument } from "./openapi/document.ts";
import type { AnomalyQueryCache } from "./persistence/anomaly-query-cache.ts";
import type { CacheWarmJobs } from "./persistence/cache-warm-jobs.ts";
import type { RescreenJobs } from "./persistence/rescreen-jobs.ts";
import { type AlertRouteOptions, alertEndpoints } from "./routes/alerts.ts";
import { anomalyEndpoints } from "./routes/anomalies.ts";
import { auditLogEndpoints } from "./routes/audit-logs.ts";
import { authEndpoints } from "./routes/auth.ts";
import { cacheWarmEndpoints } from "./routes/cache-warm.ts";
import { consoleEndpoints } from "./routes/console.ts";
import { docsEndpoints } from "./routes/docs.ts";
import { healthEndpoints } from "./routes/health.ts";
import { ingestEndpoints } from "./routes/ingest.ts";
import { type ModelRouteOptions, modelEndpoints } from "./routes/models.ts";
import { predictEndpoints } from "./routes/predict.ts";
import { reviewLoopEndpoints } from "./routes/review-loop.ts";
import { screeningEndpoints } from "./routes/screening.ts";
import { streamStatusEndpoints } from "./routes/stream-status.ts";
import { transactionEndpoints } from "./routes/transactions.ts";
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
  /** Predict scores through it: the answer first, the store write after (write-behind). */
  pipeline: Pick<TransactionPipeline, "scoreDeferred">;
  dependencies: readonly DependencyCheck[];
  /** Ingest (Kafka or embedded) and stream status. */
  streaming: Pick<Streaming, "ingest" | "status">;
  security: {
    authenticator: Authenticator;
    audit: AuditLog;
    sessions: Sessions;
    repositories: AuthRepositories;
  };
  /** Screening lists and labels (the screening API and the address screen). */
  labels: LabelRepository;
  /** The review loop: reviews with effects, suppressions, precision by reason code, re-screening writes. */
  review: ReviewRepository;
  rescreenJobs: RescreenJobs;
  /** One address's context state for the address screen (absent: the screen shows `context: null`). */
  addressState?: (address: string) => Promise<AddressState | null>;
  /** The model lifecycle API (registry, serving set, training and drift); audit comes from `security`. */
  models?: Omit<ModelRouteOptions, "audit">;
  /** Alert destinations and dead letters (the alerts API). */
  alerting?: AlertRouteOptions["alerting"];
  /** Redis client for shared rate limits; undefined → per-process limits. */
  rateLimitRedis?: { call(command: string, ...args: string[]): Promise<unknown> };
  onRateLimitStoreError?: () => void;
  isShuttingDown?: () => boolean;
  version?: string;
  /** The console's build output to serve under /console; defaults to the @chainwatch/console package's dist/. */
  consoleDir?: string;
}

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

  // While the listener drains, each answer closes its connection, so keep-alive clients move elsewhere.
  const isShuttingDown = deps.isShuttingDown ?? (() => false);
  app.use((_req, res, next) => {
    if (isShuttingDown()) res.setHeader("Connection", "close");
    next();
  });
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
  const audit = deps.security.audit;
  // Who is calling is settled from headers alone, before any body is read; refusal is per endpoint.
  app.use(authenticate(deps.security.authenticator));

  const endpoints = listEndpoints(deps);
  let document: OpenApiDocument | undefined;
  endpoints.push(
    ...docsEndpoints(
      () => (document ??= buildOpenApiDocument(endpoints, { version: deps.version ?? "0.0.0" })),
    ),
  );

  mountEndpoints(app, endpoints, {
    compress,
    ...(env.ENABLE_RATE_LIMITING ? { rateLimit: createTierLimiters(deps) } : {}),
    authorize: authorize(audit),
    auditFailure: (action) => audit.failureOf(action),
    body: {
      small: bodyPipeline(env, env.MAX_SMALL_REQUEST_SIZE),
      large: bodyPipeline(env, env.MAX_REQUEST_SIZE),
    },
    unmatched: denyUnmatched(audit),
  });

  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}

/** Every endpoint this gateway serves, in matching order (static paths before parameterised siblings). */
function listEndpoints(deps: ServerDeps): Endpoint[] {
  const { env } = deps;
  return [
    ...healthEndpoints({
      servesMetrics: env.METRICS_PORT === undefined,
      dependencies: deps.dependencies,
      cache: deps.cache,
      registry: deps.registry,
      modelVersion: deps.scoring.modelVersion,
      isShuttingDown: deps.isShuttingDown ?? (() => false),
      startedAt: new Date(),
    }),
    ...predictEndpoints({
      batchMaxItems: env.BATCH_MAX_ITEMS,
      pipeline: deps.pipeline,
    }),
    ...ingestEndpoints({ ingest: deps.streaming.ingest, batchMaxItems: env.BATCH_MAX_ITEMS }),
    ...streamStatusEndpoints({ status: deps.streaming.status }),
    ...transactionEndpoints({ repositories: deps.repositories }),
    ...anomalyEndpoints({
      repositories: deps.repositories,
      review: deps.review,
      queryCache: deps.queryCache,
      audit: deps.security.audit,
    }),
    ...cacheWarmEndpoints({ jobs: deps.warmJobs, audit: deps.security.audit }),
    ...authEndpoints({
      repositories: deps.security.repositories,
      authenticator: deps.security.authenticator,
      sessions: deps.security.sessions,
      audit: deps.security.audit,
      loginMaxFailures: env.LOGIN_MAX_FAILURES,
      loginLockSeconds: env.LOGIN_LOCK_SECONDS,
    }),
    ...auditLogEndpoints({ repositories: deps.security.repositories }),
    ...screeningEndpoints({
      ...(deps.addressState ? { addressState: deps.addressState } : {}),
      labels: deps.labels,
      repositories: deps.repositories,
      audit: deps.security.audit,
    }),
    ...reviewLoopEndpoints({
      review: deps.review,
      rescreenJobs: deps.rescreenJobs,
      audit: deps.security.audit,
    }),
    ...(deps.models ? modelEndpoints({ ...deps.models, audit: deps.security.audit }) : []),
    ...(deps.alerting ? alertEndpoints({ alerting: deps.alerting, audit: deps.security.audit }) : []),
    ...consoleEndpoints(createConsoleFiles(deps.consoleDir ?? defaultConsoleDir())),
  ];
}

function createTierLimiters(deps: ServerDeps): Record<"default" | "batch" | "login", RequestHandler> {
  const { env } = deps;
  const shared = {
    ...(deps.rateLimitRedis ? { redis: deps.rateLimitRedis } : {}),
    keyPrefix: env.REDIS_KEY_PREFIX,
    logger: deps.logger,
    ...(deps.onRateLimitStoreError ? { onStoreError: deps.onRateLimitStoreError } : {}),
  };
  const limiter = (tier: "default" | "batch" | "login", requestsPerMinute: number, burst: number) => {
    const limit = createRateLimiter({ ...shared, tier, requestsPerMinute, burst });
    const handler: RequestHandler = (req, res, next) => {
      void limit(req, res, next);
    };
    return handler;
  };
  return {
    login: limiter("login", env.RATE_LIMIT_LOGIN_RPM, 0),
    batch: limiter("batch", env.RATE_LIMIT_BATCH_RPM, 0),
    default: limiter("default", env.RATE_LIMIT_RPM, env.RATE_LIMIT_BURST),
  };
}

/** Declared size, content type, parse, then shape limits: each step refuses before the next one costs. */
function bodyPipeline(env: GatewayEnv, maxBytes: number): RequestHandler[] {
  return [
    sizeLimit(maxBytes),
    requireJsonContentType(),
    express.json({ limit: maxBytes, strict: true }),
    jsonSafety({
      maxDepth: env.JSON_MAX_DEPTH,
      maxArrayLength: env.JSON_MAX_ARRAY_LENGTH,
      maxStringLength: env.JSON_MAX_STRING_LENGTH,
      maxKeys: env.JSON_MAX_KEYS,
    }),
  ];
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
