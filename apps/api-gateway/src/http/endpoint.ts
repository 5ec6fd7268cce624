import type { Request, Response } from "express";
import type { z } from "zod";
import type { Access } from "../auth/access.ts";

export type HttpMethod = "get" | "post" | "put" | "delete";

/** Media types of the answers that are not JSON: metrics, the docs page and its assets. */
export type NonJsonType = "text/plain" | "text/html" | "text/css" | "text/javascript" | "image/png";

/** The groups of the API reference, with what each holds (the document's `tags`, in this order). */
export const TAG_DESCRIPTIONS = {
  scoring: "Score transactions and answer at once: one, or a batch of up to BATCH_MAX_ITEMS",
  ingest:
    "Accept transactions for stream scoring (published to Kafka, or scored and stored in process without it) and the stream's state",
  lookup: "Stored transactions with their latest prediction",
  anomalies: "Flagged transactions, newest first, their statistics and analysts' reviews",
  cache: "Loading recent predictions into the prediction cache (admin)",
  screening:
    "Screening lists and address labels (deny, allow, watch) and the KYT-style screen of one address",
  models: "The model registry: training, deployment (shadow, canary, full), rollback, comparison and drift",
  alerts:
    "Alert destinations (signed webhooks, Slack-compatible webhooks, the log), their policies and mutes, test alerts and dead-lettered deliveries",
  auth: "Sessions (login, refresh, logout), API keys and users",
  audit: "The audit trail of security-relevant actions (admin)",
  operations: "Probes, metrics and this reference: public and never rate limited",
} as const;

export type Tag = keyof typeof TAG_DESCRIPTIONS;

/** Which rate-limit counter a request is charged to; "none" only for probes, scrapers and the docs. */
export type RateTier = "default" | "batch" | "login" | "none";

/**
 * Everything the gateway knows about one operation, in one place: routing, who may call it, its limits, its
 * documentation and its handler. Express mounting, authorisation, rate limiting, body limits, compression
 * and the OpenAPI document are all derived from the list of these (http/mount-endpoints.ts,
 * openapi/document.ts); nothing else keeps a second copy of a path.
 */
export interface Endpoint {
  /** Unique, camelCase; the OpenAPI operationId and the key of the hand-written policy in the tests. */
  operationId: string;
  method: HttpMethod;
  /** OpenAPI template (`/api/v1/auth/keys/{id}`); matched case-sensitively, with no trailing slash. */
  path: string;
  access: Access;
  /** Defaults to "default". */
  rateTier?: RateTier;
  /** "large" (MAX_REQUEST_SIZE) for batches; everything else gets MAX_SMALL_REQUEST_SIZE. */
  bodyLimit?: "small" | "large";
  /**
   * False where every answer is far below GZIP_MIN_SIZE: compression would still wrap the response and set
   * Vary on every request for nothing (a single prediction is ~600 B).
   */
  compress?: boolean;
  summary: string;
  tag: Tag;
  request?: z.ZodType;
  query?: z.ZodObject;
  /** Schemas of the path parameters, for the document; undeclared ones are documented as strings. */
  params?: z.ZodObject;
  response?: z.ZodType;
  /** Success status; 200 unless set. */
  status?: number;
  /** Further success statuses with the same body (a create-or-update answering 201 or 200). */
  otherSuccessStatuses?: readonly number[];
  /** Error statuses the operation documents besides 401/403 (added for non-public access). */
  errors?: readonly number[];
  /** Error statuses whose body is not ErrorBody (readiness answers 503 with its own report). */
  errorBodies?: Readonly<Partial<Record<number, z.ZodType>>>;
  /** Where the answer is not JSON (metrics, the docs page and its assets). */
  responseType?: NonJsonType | readonly NonJsonType[];
  /**
   * Audit action of a state-changing endpoint. Its handler audits success; a failed attempt (bad input,
   * conflict, outage) is audited by the route itself with this action and the error's code.
   */
  auditAction?: string;
  handler: (req: Request, res: Response) => unknown;
}

/** `/api/v1/models/{version}/deploy` → `/api/v1/models/:version/deploy`. */
export const expressPath = (template: string) => template.replace(/\{([A-Za-z]+)\}/g, ":$1");

export const pathParameters = (template: string) =>
  [...template.matchAll(/\{([A-Za-z]+)\}/g)].map((match) => match[1] ?? "");
