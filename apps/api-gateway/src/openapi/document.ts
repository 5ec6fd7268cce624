import { z } from "zod";
import {
  ChangePasswordRequestSchema,
  CreateApiKeyRequestSchema,
  LoginRequestSchema,
  LogoutRequestSchema,
  RefreshRequestSchema,
  RegisterRequestSchema,
} from "../auth/schemas.ts";
import {
  CompareModelsRequestSchema,
  DeployModelRequestSchema,
  DriftHistoryQuerySchema,
  DriftRequestSchema,
  ModelTrafficRequestSchema,
  RollbackModelRequestSchema,
  TrainModelRequestSchema,
} from "../http/model-schemas.ts";
import {
  AnomalyQuerySchema,
  BatchPredictQuerySchema,
  BatchPredictResponseSchema,
  batchIngestRequestSchema,
  batchPredictRequestSchema,
  CacheWarmRequestSchema,
  ErrorBodySchema,
  IngestResponseSchema,
  ReviewRequestSchema,
  ScoreResultSchema,
  StreamStatusSchema,
  TransactionInputSchema,
  TransactionLookupRequestSchema,
} from "../http/schemas.ts";

interface Operation {
  method: "get" | "post" | "put" | "delete";
  path: string;
  summary: string;
  tag: string;
  request?: z.ZodType;
  response?: z.ZodType;
  /** Success status; 200 unless set. */
  status?: number;
  /** Status codes besides the success one that the operation documents. */
  errors?: number[];
  /** Query parameters, documented from a zod object schema. */
  query?: z.ZodObject;
  /** No credential needed (probes, docs, login). */
  isPublic?: boolean;
}

/**
 * zod puts schemas that carry a `meta({ id })` under `$defs` with `#/$defs/...` references, which in an
 * OpenAPI document would resolve against the document root. Hoist them into `components.schemas` and point
 * the references there, so every named schema appears once and resolves.
 */
const components: Record<string, unknown> = {};

function hoistDefinitions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(hoistDefinitions);
  if (value === null || typeof value !== "object") return value;
  const result: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === "$schema") continue;
    if (key === "$defs") {
      for (const [name, definition] of Object.entries(child as Record<string, unknown>)) {
        components[name] = hoistDefinitions(definition);
      }
      continue;
    }
    result[key] =
      key === "$ref" && typeof child === "string"
        ? child.replace("#/$defs/", "#/components/schemas/")
        : hoistDefinitions(child);
  }
  return result;
}

const jsonSchema = (schema: z.ZodType, io: "input" | "output") =>
  hoistDefinitions(z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }));

const errorDescriptions: Record<number, string> = {
  400: "Invalid input (VALIDATION_ERROR, MALFORMED_JSON)",
  401: "No valid credential (AUTHENTICATION_REQUIRED, INVALID_CREDENTIALS, CREDENTIALS_EXPIRED, CREDENTIALS_REVOKED)",
  403: "The credential's role may not do this (FORBIDDEN)",
  404: "Not found",
  409: "Conflict",
  415: "Body is not JSON",
  422: "Valid, but cannot be scored or stored (UNSCOREABLE)",
  405: "Method not allowed",
  413: "Body larger than MAX_REQUEST_SIZE",
  429: "Rate limited; see Retry-After",
  503: "A dependency is unavailable (DATABASE_UNAVAILABLE, KAFKA_UNAVAILABLE); retry later",
};

/** OpenAPI 3.1 built from the same zod schemas that validate requests. */
export function buildOpenApiDocument(options: { batchMaxItems: number; version: string }) {
  const operations: Operation[] = [
    {
      method: "post",
      path: "/api/v1/predict",
      summary: "Score one transaction (simple shape or Ethereum JSON-RPC object)",
      tag: "scoring",
      request: TransactionInputSchema,
      response: ScoreResultSchema,
      errors: [400, 405, 413, 429],
    },
    {
      method: "post",
      path: "/api/v1/batch/predict",
      summary: `Score 1..${options.batchMaxItems} transactions; invalid items get a per-item error, the rest are scored`,
      tag: "scoring",
      query: BatchPredictQuerySchema,
      request: batchPredictRequestSchema(options.batchMaxItems),
      response: BatchPredictResponseSchema,
      errors: [400, 405, 413, 429],
    },
    ...streamingOperations(options.batchMaxItems),
    ...persistenceOperations(),
    ...securityOperations(),
    ...modelOperations(),
    {
      method: "get",
      path: "/health/live",
      summary: "Liveness: the process answers",
      tag: "operations",
      isPublic: true,
    },
    {
      method: "get",
      path: "/health/ready",
      summary: "Readiness: 503 while a required dependency is down or the process is draining",
      tag: "operations",
      isPublic: true,
      errors: [503],
    },
    {
      method: "get",
      path: "/health",
      summary: "Status of each dependency, model version and cache hit rate",
      tag: "operations",
      isPublic: true,
    },
    {
      method: "get",
      path: "/metrics",
      summary: "Prometheus metrics (text format)",
      tag: "operations",
      isPublic: true,
    },
  ];

  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operations) {
    const responses: Record<string, unknown> = {
      [operation.status ?? 200]: {
        description: operation.status === 202 ? "Accepted" : "OK",
        ...(operation.response
          ? { content: { "application/json": { schema: jsonSchema(operation.response, "output") } } }
          : {}),
      },
    };
    for (const status of [...(operation.isPublic ? [] : [401, 403]), ...(operation.errors ?? [])]) {
      responses[status] = {
        description: errorDescriptions[status] ?? "Error",
        content: { "application/json": { schema: jsonSchema(ErrorBodySchema, "output") } },
      };
    }
    paths[operation.path] ??= {};
    const pathItem = paths[operation.path] ?? {};
    pathItem[operation.method] = {
      summary: operation.summary,
      tags: [operation.tag],
      ...(operation.isPublic ? { security: [] } : {}),
      ...(operation.query ? { parameters: queryParameters(operation.query) } : {}),
      ...(operation.request
        ? {
            requestBody: {
              required: true,
              content: { "application/json": { schema: jsonSchema(operation.request, "input") } },
            },
          }
        : {}),
      responses,
    };
  }

  return {
    openapi: "3.1.0",
    info: {
      title: "Chainwatch API",
      version: options.version,
      description:
        "Real-time anomaly scoring for Ethereum-style transactions. Every error body is { code, message, requestId }.",
    },
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        apiKey: { type: "apiKey", in: "header", name: "X-API-Key", description: "cw_ + 64 hex" },
        bearer: { type: "http", scheme: "bearer", description: "an access token (JWT) or an API key" },
      },
    },
    security: [{ apiKey: [] }, { bearer: [] }],
  };
}

function queryParameters(schema: z.ZodObject) {
  const raw = z.toJSONSchema(schema, { io: "input", unrepresentable: "any", target: "draft-2020-12" }) as {
    $ref?: string;
    $defs?: Record<string, unknown>;
  };
  // A named schema comes back as a reference to itself; parameters need its properties.
  const root = (raw.$ref ? raw.$defs?.[raw.$ref.replace("#/$defs/", "")] : raw) as {
    properties?: Record<string, unknown>;
    required?: string[];
  };
  return Object.entries(root.properties ?? {}).map(([name, parameterSchema]) => ({
    name,
    in: "query",
    required: root.required?.includes(name) ?? false,
    schema: hoistDefinitions(parameterSchema),
  }));
}

function persistenceOperations(): Operation[] {
  return [
    {
      method: "get",
      path: "/api/v1/transactions/{hash}",
      summary: "A stored transaction with its latest prediction",
      tag: "lookup",
      errors: [400, 404, 503],
    },
    {
      method: "post",
      path: "/api/v1/batch/transactions/lookup",
      summary: "Up to 1000 stored transactions by hash, in one query",
      tag: "lookup",
      request: TransactionLookupRequestSchema,
      errors: [400, 503],
    },
    {
      method: "get",
      path: "/api/v1/anomalies",
      summary: "Anomalies, newest first, keyset-paginated with an opaque cursor",
      tag: "anomalies",
      query: AnomalyQuerySchema,
      errors: [400, 503],
    },
    {
      method: "get",
      path: "/api/v1/batch/anomalies/recent",
      summary: "Same as /api/v1/anomalies",
      tag: "anomalies",
      query: AnomalyQuerySchema,
      errors: [400, 503],
    },
    {
      method: "get",
      path: "/api/v1/anomalies/stats",
      summary: "Counts and false-positive rate",
      tag: "anomalies",
    },
    {
      method: "post",
      path: "/api/v1/anomalies/{id}/review",
      summary: "Record an analyst's verdict on an anomaly",
      tag: "anomalies",
      request: ReviewRequestSchema,
      errors: [400, 404],
    },
    {
      method: "post",
      path: "/api/v1/batch/cache/warm",
      summary: "202: start loading the N most recent predictions into the cache",
      tag: "cache",
      request: CacheWarmRequestSchema,
      errors: [400],
    },
    {
      method: "get",
      path: "/api/v1/batch/cache/warm/{id}",
      summary: "Progress of a cache warm job",
      tag: "cache",
      errors: [404],
    },
  ];
}

function modelOperations(): Operation[] {
  return [
    {
      method: "get",
      path: "/api/v1/models",
      summary: "Registered versions and the active set",
      tag: "models",
    },
    {
      method: "get",
      path: "/api/v1/models/{version}",
      summary: "One version's metadata and deployment history",
      tag: "models",
      errors: [400, 404],
    },
    {
      method: "post",
      path: "/api/v1/models/train",
      summary:
        "202: train a model off the request path (stored window or a file under MODEL_TRAINING_DATA_DIR)",
      tag: "models",
      request: TrainModelRequestSchema,
      status: 202,
      errors: [400],
    },
    {
      method: "get",
      path: "/api/v1/models/jobs/{id}",
      summary: "Progress, rows, resulting version or error of a training job",
      tag: "models",
      errors: [404],
    },
    {
      method: "post",
      path: "/api/v1/models/{version}/deploy",
      summary: "Deploy as shadow, canary (trafficPercent) or full; served within the refresh interval",
      tag: "models",
      request: DeployModelRequestSchema,
      errors: [400, 404, 409],
    },
    {
      method: "put",
      path: "/api/v1/models/{version}/traffic",
      summary: "Set the canary's share (0 ends the canary)",
      tag: "models",
      request: ModelTrafficRequestSchema,
      errors: [400, 404, 409],
    },
    {
      method: "post",
      path: "/api/v1/models/rollback",
      summary: "Restore the previously active version (ends any canary)",
      tag: "models",
      request: RollbackModelRequestSchema,
      errors: [400, 409],
    },
    {
      method: "post",
      path: "/api/v1/models/compare",
      summary: "Two versions side by side over a time window",
      tag: "models",
      request: CompareModelsRequestSchema,
      errors: [400, 404],
    },
    {
      method: "post",
      path: "/api/v1/models/drift",
      summary: "Drift of recent stored traffic against the active model (sets model_drift_* gauges)",
      tag: "models",
      request: DriftRequestSchema,
      errors: [400],
    },
    {
      method: "get",
      path: "/api/v1/models/drift",
      summary: "Recorded drift checks (scheduled and on demand), newest first",
      tag: "models",
      query: DriftHistoryQuerySchema,
      errors: [400],
    },
  ];
}

function securityOperations(): Operation[] {
  return [
    {
      method: "post",
      path: "/api/v1/auth/register",
      summary: "201: register a user (the first becomes admin; then admin only)",
      tag: "auth",
      request: RegisterRequestSchema,
      errors: [400, 409],
      isPublic: true,
    },
    {
      method: "post",
      path: "/api/v1/auth/login",
      summary: "Access and refresh tokens for email and password",
      tag: "auth",
      request: LoginRequestSchema,
      errors: [400, 401, 429],
      isPublic: true,
    },
    {
      method: "post",
      path: "/api/v1/auth/refresh",
      summary: "Rotate a refresh token; reuse of a rotated one revokes the session",
      tag: "auth",
      request: RefreshRequestSchema,
      errors: [400, 401],
      isPublic: true,
    },
    {
      method: "post",
      path: "/api/v1/auth/logout",
      summary: "204: end this session",
      tag: "auth",
      request: LogoutRequestSchema,
    },
    {
      method: "post",
      path: "/api/v1/auth/change-password",
      summary: "204: change the password and end every session",
      tag: "auth",
      request: ChangePasswordRequestSchema,
      errors: [400],
    },
    { method: "get", path: "/api/v1/auth/me", summary: "The calling principal and its role", tag: "auth" },
    {
      method: "post",
      path: "/api/v1/auth/keys",
      summary: "201: create an API key (shown once)",
      tag: "auth",
      request: CreateApiKeyRequestSchema,
      errors: [400],
    },
    { method: "get", path: "/api/v1/auth/keys", summary: "API keys (never the secret)", tag: "auth" },
    {
      method: "delete",
      path: "/api/v1/auth/keys/{id}",
      summary: "Revoke an API key",
      tag: "auth",
      errors: [404],
    },
    { method: "get", path: "/api/v1/users", summary: "Users (admin)", tag: "auth" },
    {
      method: "get",
      path: "/api/v1/audit-logs",
      summary: "Audit trail, newest first (admin)",
      tag: "audit",
      errors: [400],
    },
    {
      method: "get",
      path: "/api/v1/audit-logs/stats",
      summary: "Audit counts by action and outcome",
      tag: "audit",
    },
  ];
}

function streamingOperations(batchMaxItems: number): Operation[] {
  return [
    {
      method: "post",
      path: "/api/v1/transactions",
      summary:
        "202: accept one transaction for stream scoring (Kafka mode: published to the input topic; embedded mode: scored and stored before the answer). 422 UNSCOREABLE (embedded only), 503 KAFKA_UNAVAILABLE",
      tag: "ingest",
      status: 202,
      request: TransactionInputSchema,
      response: IngestResponseSchema,
      errors: [400, 405, 413, 422, 429, 503],
    },
    {
      method: "post",
      path: "/api/v1/batch/transactions",
      summary: `202: accept 1..${batchMaxItems} transactions; invalid items are rejected one by one and not published, 400 if none is valid, 503 KAFKA_UNAVAILABLE`,
      tag: "ingest",
      status: 202,
      request: batchIngestRequestSchema(batchMaxItems),
      response: IngestResponseSchema,
      errors: [400, 405, 413, 429, 503],
    },
    {
      method: "get",
      path: "/api/v1/stream/status",
      summary:
        "The scoring group's members, partitions, per-partition lag and throughput from broker offsets (mode kafka), or mode embedded",
      tag: "ingest",
      response: StreamStatusSchema,
      errors: [503],
    },
  ];
}
