import { z } from "zod";
import {
  BatchPredictResponseSchema,
  batchPredictRequestSchema,
  ErrorBodySchema,
  ScoreResultSchema,
  TransactionInputSchema,
} from "../http/schemas.ts";

interface Operation {
  method: "get" | "post";
  path: string;
  summary: string;
  tag: string;
  request?: z.ZodType;
  response?: z.ZodType;
  /** Status codes besides 200 that the operation documents. */
  errors?: number[];
}

const jsonSchema = (schema: z.ZodType, io: "input" | "output") =>
  z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" });

const errorDescriptions: Record<number, string> = {
  400: "Invalid input (VALIDATION_ERROR, MALFORMED_JSON)",
  404: "Not found",
  405: "Method not allowed",
  413: "Body larger than MAX_REQUEST_SIZE",
  429: "Rate limited; see Retry-After",
  503: "A required dependency is unavailable",
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
      request: batchPredictRequestSchema(options.batchMaxItems),
      response: BatchPredictResponseSchema,
      errors: [400, 405, 413, 429],
    },
    { method: "get", path: "/health/live", summary: "Liveness: the process answers", tag: "operations" },
    {
      method: "get",
      path: "/health/ready",
      summary: "Readiness: 503 while a required dependency is down or the process is draining",
      tag: "operations",
      errors: [503],
    },
    {
      method: "get",
      path: "/health",
      summary: "Status of each dependency, model version and cache hit rate",
      tag: "operations",
    },
    { method: "get", path: "/metrics", summary: "Prometheus metrics (text format)", tag: "operations" },
  ];

  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operations) {
    const responses: Record<string, unknown> = {
      200: {
        description: "OK",
        ...(operation.response
          ? { content: { "application/json": { schema: jsonSchema(operation.response, "output") } } }
          : {}),
      },
    };
    for (const status of operation.errors ?? []) {
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
  };
}
