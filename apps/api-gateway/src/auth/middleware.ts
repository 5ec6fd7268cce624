import type { Request, RequestHandler, Response } from "express";
import { HttpError } from "../http/errors.ts";
import { fromDatabase } from "../persistence/from-database.ts";
import type { Access } from "./access.ts";
import { type AuditLog, rawPathOf } from "./audit-log.ts";
import type { Authenticator } from "./authenticator.ts";
import { hasPermission } from "./permissions.ts";
import type { CredentialProblem, Principal } from "./principal.ts";

const PROBLEM_MESSAGES: Record<CredentialProblem, string> = {
  INVALID_CREDENTIALS: "the credential is not valid",
  CREDENTIALS_EXPIRED: "the credential has expired",
  CREDENTIALS_REVOKED: "the credential has been revoked",
};

/**
 * Resolves the caller before anything reads the body, so the rate limiter can key on the principal and
 * an unauthenticated client never costs a JSON parse. Refusal happens in `authorize`.
 */
export function authenticate(authenticator: Authenticator): RequestHandler {
  return async (req, res, next) => {
    const result = await fromDatabase(
      authenticator.authenticate({ apiKey: req.get("x-api-key"), authorization: req.get("authorization") }),
    );
    if ("principal" in result) res.locals.principal = result.principal;
    else if ("problem" in result) res.locals.credentialProblem = result.problem;
    next();
  };
}

const unauthorized = (code: CredentialProblem | "AUTHENTICATION_REQUIRED", message: string) =>
  new HttpError(401, code, message, { headers: { "WWW-Authenticate": 'Bearer realm="chainwatch"' } });

type Deny = (req: Request, res: Response, details: Record<string, unknown>) => void;

const recordDenied =
  (audit: AuditLog): Deny =>
  (req, res, details) =>
    audit.record(req, res, {
      action: "access.denied",
      outcome: "denied",
      resource: `${req.method} ${rawPathOf(req)}`,
      details,
    });

/**
 * The check mounted on each endpoint's own route (http/mount-endpoints.ts): 401 without a valid credential,
 * 403 when the role lacks the endpoint's permission. Every refusal is audited with the raw path.
 */
export function authorize(audit: AuditLog): (access: Access, operationId?: string) => RequestHandler {
  const deny = recordDenied(audit);
  return (access, operationId) => (req, res, next) => {
    if (access === "public") {
      next();
      return;
    }
    const principal = res.locals.principal as Principal | undefined;
    if (!principal) {
      next(refuseAnonymous(req, res, deny, operationId));
      return;
    }
    if (access !== "authenticated" && !hasPermission(principal.role, access)) {
      deny(req, res, { reason: "FORBIDDEN", role: principal.role, needs: access, operationId });
      next(new HttpError(403, "FORBIDDEN", `role ${principal.role} may not do this (needs ${access})`));
      return;
    }
    next();
  };
}

function refuseAnonymous(
  req: Request,
  res: Response,
  deny: Deny,
  operationId: string | undefined,
): HttpError {
  const problem = res.locals.credentialProblem as CredentialProblem | undefined;
  deny(req, res, { reason: problem ?? "AUTHENTICATION_REQUIRED", ...(operationId ? { operationId } : {}) });
  return problem
    ? unauthorized(problem, PROBLEM_MESSAGES[problem])
    : unauthorized("AUTHENTICATION_REQUIRED", "send an API key (X-API-Key) or a bearer token");
}

/**
 * The answer for a path that no endpoint declares, whatever its spelling: anonymous callers get the same
 * 401 as on any protected path (so probing reveals nothing), authenticated ones a 404. Both are audited.
 */
export function denyUnmatched(audit: AuditLog): RequestHandler {
  const deny = recordDenied(audit);
  return (req, res, next) => {
    if (!res.locals.principal) {
      next(refuseAnonymous(req, res, deny, undefined));
      return;
    }
    deny(req, res, { reason: "NO_ROUTE" });
    next(new HttpError(404, "NOT_FOUND", `no route for ${req.method} ${rawPathOf(req)}`));
  };
}
