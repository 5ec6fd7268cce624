import type { RequestHandler } from "express";
import { HttpError } from "../http/errors.ts";
import { fromDatabase } from "../persistence/from-database.ts";
import type { AuditLog } from "./audit-log.ts";
import type { Authenticator } from "./authenticator.ts";
import { hasPermission } from "./permissions.ts";
import type { CredentialProblem, Principal } from "./principal.ts";
import { accessFor } from "./route-permissions.ts";

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

/** Applies the route table: 401 without a valid credential, 403 when the role lacks the permission. */
export function authorize(audit: AuditLog): RequestHandler {
  return (req, res, next) => {
    const access = accessFor(req.method, req.path);
    if (access === "public") {
      next();
      return;
    }
    const principal = res.locals.principal as Principal | undefined;
    const problem = res.locals.credentialProblem as CredentialProblem | undefined;
    if (!principal) {
      audit.record(req, res, {
        action: "access.denied",
        outcome: "denied",
        resource: `${req.method} ${req.path.slice(0, 200)}`,
        details: { reason: problem ?? "AUTHENTICATION_REQUIRED" },
      });
      next(
        problem
          ? unauthorized(problem, PROBLEM_MESSAGES[problem])
          : unauthorized("AUTHENTICATION_REQUIRED", "send an API key (X-API-Key) or a bearer token"),
      );
      return;
    }
    if (access !== "authenticated" && !hasPermission(principal.role, access)) {
      audit.record(req, res, {
        action: "access.denied",
        outcome: "denied",
        resource: `${req.method} ${req.path.slice(0, 200)}`,
        details: { reason: "FORBIDDEN", role: principal.role, needs: access },
      });
      next(new HttpError(403, "FORBIDDEN", `role ${principal.role} may not do this (needs ${access})`));
      return;
    }
    next();
  };
}
