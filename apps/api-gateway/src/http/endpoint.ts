import type { Request, Response } from "express";
import type { z } from "zod";
import type { Access } from "../auth/access.ts";

export type HttpMethod = "get" | "post" | "put" | "delete";

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
  tag: string;
  request?: z.ZodType;
  query?: z.ZodObject;
  response?: z.ZodType;
  /** Success status; 200 unless set. */
  status?: number;
  /** Error statuses the operation documents besides 401/403 (added for non-public access). */
  errors?: readonly number[];
  /** Where the answer is not JSON (metrics, the docs page). */
  responseType?: "text/plain" | "text/html";
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
