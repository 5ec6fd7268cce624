import type { ApiKeyRecord, AuthRepositories, UserRecord } from "@chainwatch/store";
import { type Request, Router } from "express";
import { apiKeyPrefix, generateApiKey, hashSecret } from "../auth/api-key-format.ts";
import type { AuditLog } from "../auth/audit-log.ts";
import type { Authenticator } from "../auth/authenticator.ts";
import { burnPasswordCheck, hashPassword, verifyPassword } from "../auth/passwords.ts";
import { principalOf } from "../auth/principal.ts";
import {
  ChangePasswordRequestSchema,
  CreateApiKeyRequestSchema,
  LoginRequestSchema,
  LogoutRequestSchema,
  RefreshRequestSchema,
  RegisterRequestSchema,
} from "../auth/schemas.ts";
import type { Sessions } from "../auth/sessions.ts";
import { HttpError, notFound } from "../http/errors.ts";
import { parseOrThrow, requireJsonBody } from "../http/validate.ts";
import { fromDatabase } from "../persistence/from-database.ts";
import { methodNotAllowed } from "./method-not-allowed.ts";

export interface AuthRoutesOptions {
  repositories: AuthRepositories;
  authenticator: Authenticator;
  sessions: Sessions;
  audit: AuditLog;
  loginMaxFailures: number;
  loginLockSeconds: number;
}

const userView = (user: UserRecord) => ({
  id: user.id,
  email: user.email,
  role: user.role,
  createdAt: user.createdAt,
});
const keyView = (key: ApiKeyRecord) => ({
  id: key.id,
  prefix: key.prefix,
  name: key.name,
  role: key.role,
  createdBy: key.createdBy,
  createdAt: key.createdAt,
  expiresAt: key.expiresAt,
  revokedAt: key.revokedAt,
  lastUsedAt: key.lastUsedAt,
});
const credentialOf = (req: Request) =>
  req.get("x-api-key") ?? req.get("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];

const invalidLogin = () => new HttpError(401, "INVALID_CREDENTIALS", "email or password is wrong");

export function authRoutes(options: AuthRoutesOptions): Router {
  const { repositories, audit, sessions, authenticator } = options;
  const router = Router();

  router
    .route("/api/v1/auth/register")
    .post(async (req, res) => {
      const input = parseOrThrow(RegisterRequestSchema, requireJsonBody(req.body), "registration");
      const principal = principalOf(res);
      const isAdmin = principal?.role === "admin";
      // The first user of an install with no admin credential becomes admin; after that only an admin adds
      // users. The user count is a cheap refusal first, so anonymous attempts cost no password hash.
      const mayBootstrap = !isAdmin && (await fromDatabase(repositories.countUsers())) === 0;
      const passwordHash = isAdmin || mayBootstrap ? await hashPassword(input.password) : "";
      const bootstrapUser = mayBootstrap
        ? await fromDatabase(repositories.insertFirstAdmin({ email: input.email, passwordHash }))
        : null;
      const isBootstrap = bootstrapUser !== null;
      if (!isAdmin && !isBootstrap) {
        audit.record(req, res, {
          action: "user.register",
          outcome: "denied",
          details: { email: input.email },
        });
        throw principal
          ? new HttpError(403, "FORBIDDEN", "only an admin may register users")
          : new HttpError(401, "AUTHENTICATION_REQUIRED", "only an admin may register users");
      }
      const role = isBootstrap ? "admin" : (input.role ?? "viewer");
      const user =
        bootstrapUser ??
        (await fromDatabase(repositories.insertUser({ email: input.email, passwordHash, role })));
      if (!user) throw new HttpError(409, "EMAIL_TAKEN", "a user with this email exists");
      audit.record(req, res, {
        action: "user.register",
        outcome: "success",
        details: { userId: user.id, email: user.email, role, bootstrap: isBootstrap },
      });
      res.status(201).json(userView(user));
    })
    .all(methodNotAllowed(["POST"]));

  router
    .route("/api/v1/auth/login")
    .post(async (req, res) => {
      const { email, password } = parseOrThrow(LoginRequestSchema, requireJsonBody(req.body), "login");
      const user = await fromDatabase(repositories.findUserByEmail(email));
      const fail = (reason: string, principal?: { type: "user"; id: string }) => {
        audit.record(req, res, {
          action: "auth.login",
          outcome: "failure",
          details: { email, reason },
          ...(principal ? { principal } : {}),
        });
        return invalidLogin();
      };
      if (!user) {
        await burnPasswordCheck(password);
        throw fail("unknown email");
      }
      if (user.lockedUntil && Date.parse(user.lockedUntil) > Date.now()) {
        const retryAfterSeconds = Math.ceil((Date.parse(user.lockedUntil) - Date.now()) / 1000);
        audit.record(req, res, {
          action: "auth.login",
          outcome: "denied",
          principal: { type: "user", id: user.id },
          details: { reason: "locked" },
        });
        throw new HttpError(429, "TOO_MANY_ATTEMPTS", "too many failed logins; try again later", {
          headers: { "Retry-After": String(retryAfterSeconds) },
        });
      }
      if (!(await verifyPassword(password, user.passwordHash)) || user.disabledAt) {
        await fromDatabase(
          repositories.recordFailedLogin(
            user.id,
            options.loginMaxFailures,
            new Date(Date.now() + options.loginLockSeconds * 1000),
          ),
        );
        throw fail(user.disabledAt ? "disabled" : "wrong password", { type: "user", id: user.id });
      }
      await fromDatabase(repositories.recordSuccessfulLogin(user.id));
      const tokens = await fromDatabase(sessions.start(user));
      audit.record(req, res, {
        action: "auth.login",
        outcome: "success",
        principal: { type: "user", id: user.id },
      });
      res.json({ ...tokens, user: userView(user) });
    })
    .all(methodNotAllowed(["POST"]));

  router
    .route("/api/v1/auth/refresh")
    .post(async (req, res) => {
      const { refreshToken } = parseOrThrow(
        RefreshRequestSchema,
        requireJsonBody(req.body),
        "refresh request",
      );
      const outcome = await fromDatabase(sessions.refresh(refreshToken));
      if (!outcome.ok) {
        audit.record(req, res, {
          action: outcome.reason === "reused" ? "auth.refresh_reuse" : "auth.refresh",
          outcome: "failure",
          details: { reason: outcome.reason },
        });
        // A reused token revokes its family: cached access tokens of that session must stop too.
        if (outcome.reason === "reused") authenticator.forgetAll();
        throw new HttpError(401, "INVALID_REFRESH_TOKEN", "the refresh token is not valid; log in again");
      }
      audit.record(req, res, {
        action: "auth.refresh",
        outcome: "success",
        principal: { type: "user", id: outcome.user.id },
      });
      res.json({ ...outcome.tokens, user: userView(outcome.user) });
    })
    .all(methodNotAllowed(["POST"]));

  router
    .route("/api/v1/auth/logout")
    .post(async (req, res) => {
      const { refreshToken } = parseOrThrow(LogoutRequestSchema, req.body ?? {}, "logout request");
      const principal = principalOf(res);
      if (principal?.sessionId) await fromDatabase(sessions.endSession(principal.sessionId));
      if (refreshToken) {
        const outcome = await fromDatabase(repositories.findRefreshToken(hashSecret(refreshToken)));
        if (outcome && outcome.userId === principal?.id)
          await fromDatabase(sessions.endSession(outcome.familyId));
      }
      const credential = credentialOf(req);
      if (credential) authenticator.forget(credential);
      audit.record(req, res, { action: "auth.logout", outcome: "success" });
      res.status(204).end();
    })
    .all(methodNotAllowed(["POST"]));

  router
    .route("/api/v1/auth/change-password")
    .post(async (req, res) => {
      const input = parseOrThrow(ChangePasswordRequestSchema, requireJsonBody(req.body), "password change");
      const principal = principalOf(res);
      if (principal?.type !== "user")
        throw new HttpError(403, "USER_REQUIRED", "only users have passwords; this credential is an API key");
      const user = await fromDatabase(repositories.findUserById(principal.id));
      if (!user || !(await verifyPassword(input.currentPassword, user.passwordHash))) {
        audit.record(req, res, { action: "user.change_password", outcome: "failure" });
        throw new HttpError(401, "INVALID_CREDENTIALS", "the current password is wrong");
      }
      await fromDatabase(repositories.updatePassword(user.id, await hashPassword(input.newPassword)));
      // Every session of this user ends; they log in again with the new password.
      await fromDatabase(sessions.endAllSessions(user.id));
      authenticator.forgetAll();
      audit.record(req, res, { action: "user.change_password", outcome: "success" });
      res.status(204).end();
    })
    .all(methodNotAllowed(["POST"]));

  router
    .route("/api/v1/auth/me")
    .get((_req, res) => {
      const principal = principalOf(res);
      res.json({ type: principal?.type, id: principal?.id, role: principal?.role, name: principal?.label });
    })
    .all(methodNotAllowed(["GET"]));

  router
    .route("/api/v1/auth/keys")
    .post(async (req, res) => {
      const input = parseOrThrow(CreateApiKeyRequestSchema, requireJsonBody(req.body), "API key request");
      const key = generateApiKey();
      const record = await fromDatabase(
        repositories.insertApiKey({
          prefix: apiKeyPrefix(key),
          keyHash: hashSecret(key),
          name: input.name,
          role: input.role,
          createdBy: principalOf(res)?.id ?? "unknown",
          expiresAt: input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null,
        }),
      );
      audit.record(req, res, {
        action: "api_key.create",
        outcome: "success",
        details: { keyId: record.id, prefix: record.prefix, role: record.role, name: record.name },
      });
      // The only time the key is shown: it is stored as a hash.
      res.status(201).json({ ...keyView(record), key });
    })
    .get(async (_req, res) => {
      res.json({ keys: (await fromDatabase(repositories.listApiKeys())).map(keyView) });
    })
    .all(methodNotAllowed(["GET", "POST"]));

  router
    .route("/api/v1/auth/keys/:id")
    .delete(async (req, res) => {
      const record = await fromDatabase(repositories.revokeApiKey(req.params.id ?? ""));
      if (!record) throw notFound("no such API key");
      authenticator.forgetAll();
      audit.record(req, res, {
        action: "api_key.revoke",
        outcome: "success",
        details: { keyId: record.id, prefix: record.prefix },
      });
      res.json(keyView(record));
    })
    .all(methodNotAllowed(["DELETE"]));

  router
    .route("/api/v1/users")
    .get(async (_req, res) => {
      res.json({ users: (await fromDatabase(repositories.listUsers())).map(userView) });
    })
    .all(methodNotAllowed(["GET"]));

  return router;
}
