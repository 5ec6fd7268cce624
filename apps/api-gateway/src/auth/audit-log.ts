import type { Logger } from "@chainwatch/service-kit";
import {
  type AuditEntry,
  type AuthRepositories,
  createWriteBehindQueue,
  isStoreValidationError,
} from "@chainwatch/store";
import type { ErrorRequestHandler, Request, Response } from "express";
import { mapError } from "../http/error-response.ts";
import { requestIdOf } from "../middleware/request-id.ts";
import type { Principal } from "./principal.ts";

export interface AuditEvent {
  action: string;
  outcome: AuditEntry["outcome"];
  resource?: string;
  /** Never secrets: key values, passwords and tokens must not be passed here. */
  details?: Record<string, unknown>;
  /** For events before a principal exists (a login attempt). */
  principal?: Pick<Principal, "type" | "id">;
}

/**
 * The path exactly as the client sent it (no query). Entries carry this rather than the route pattern:
 * odd spellings and probed ids are what a reviewer looks for.
 */
export const rawPathOf = (req: Request) => (req.originalUrl.split("?")[0] ?? "").slice(0, 200);

/**
 * The audit trail, written off the request path through the same bounded write-behind queue as
 * predictions. Entries carry who, from where, what, and the outcome; never a secret.
 */
export function createAuditLog(options: { repositories: AuthRepositories; logger: Logger }) {
  const queue = createWriteBehindQueue<AuditEntry>({
    logger: options.logger.child({ component: "audit" }),
    write: (batch) => options.repositories.insertAuditLogs(batch),
    isPermanentFailure: isStoreValidationError,
    flushIntervalMs: 100,
  });

  const record = (req: Request, res: Response, event: AuditEvent): void => {
    const principal = event.principal ?? (res.locals.principal as Principal | undefined);
    queue.enqueue([
      {
        action: event.action,
        outcome: event.outcome,
        principalType: principal?.type ?? "anonymous",
        principalId: principal?.id ?? null,
        ip: req.ip ?? null,
        userAgent: req.get("user-agent")?.slice(0, 256) ?? null,
        requestId: requestIdOf(res),
        resource: (event.resource ?? `${req.method} ${rawPathOf(req)}`).slice(0, 256),
        ...(event.details ? { details: event.details } : {}),
      },
    ]);
  };

  /** An event with no request behind it (a scheduled policy acting on its own): principal `system:<id>`. */
  const recordSystem = (
    systemId: string,
    event: Omit<AuditEvent, "principal"> & { resource: string },
  ): void => {
    queue.enqueue([
      {
        action: event.action,
        outcome: event.outcome,
        principalType: "system",
        principalId: systemId,
        ip: null,
        userAgent: null,
        requestId: null,
        resource: event.resource.slice(0, 256),
        ...(event.details ? { details: event.details } : {}),
      },
    ]);
  };

  return {
    record,
    recordSystem,
    /**
     * Route-level error handler for a state-changing endpoint: the failed attempt is audited with the
     * error's code, then the error goes on to the one place that answers it.
     */
    failureOf(action: string): ErrorRequestHandler {
      return (error, req, res, next) => {
        const mapped = mapError(error, requestIdOf(res));
        record(req, res, {
          action,
          outcome: "failure",
          details: { code: mapped.body.code, status: mapped.status },
        });
        next(error);
      };
    },
    start: () => queue.start(),
    stop: () => queue.stop(),
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
