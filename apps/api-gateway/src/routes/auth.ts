import type { ApiKeyRecord, AuthRepositories, UserRecord } from "@chainwatch/store";
import type { Request } from "express";
import { apiKeyPrefix, generateApiKey, hashSecret } from "../auth/api-key-format.ts";
import type { AuditLog } from "../auth/audit-log.ts";
import type { Authenticator } from "../auth/authenticator.ts";
import { burnPasswordCheck, hashPassword, verifyPassword } from "../auth/passwords.ts";
import { principalOf } from "../auth/principal.ts";
import {
  ApiKeyListSchema,
  ApiKeySchema,
  ChangePasswordRequestSchema,
  CreateApiKeyRequestSchema,
  CreatedApiKeySchema,
  LoginRequestSchema,
  LogoutRequestSchema,
  PrincipalSchema,
  RefreshRequestSchema,
  RegisterRequestSchema,
  SessionSchema,
  UserListSchema,
  UserSchema,
} from "../auth/schemas.ts";
import type { Sessions } from "../auth/sessions.ts";
import type { Endpoint } from "../http/endpoint.ts";
import { HttpError, notFound } from "../http/errors.ts";
import { parseOrThrow, requireJsonBody } from "../http/validate.ts";
import { fromDatabase } from "../persistence/from-database.ts";

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

export function authEndpoints(options: AuthRoutesOptions): Endpoint[] {
  const { repositories, audit, sessions, authenticator } = options;

  return [
    {
      operationId: "registerUser",
      auditAction: "user.register",
      method: "post",
      path: "/api/v1/auth/register",
      access: "users:manage",
      summary: "201: register a user (admin; the first admin key is generated at first start)",
      tag: "auth",
      request: RegisterRequestSchema,
      response: UserSchema,
      status: 201,
      errors: [400, 409, 503],
      handler: async (req, res) => {
        const input = parseOrThrow(RegisterRequestSchema, requireJsonBody(req.body), "registration");
        const role = input.role ?? "viewer";
        const passwordHash = await hashPassword(input.password);
        const user = await fromDatabase(repositories.insertUser({ email: input.email, passwordHash, role }));
        if (!user) throw new HttpError(409, "EMAIL_TAKEN", "a user with this email exists");
        audit.record(req, res, {
          action: "user.register",
          outcome: "success",
          details: { userId: user.id, email: user.email, role },
        });
        res.status(201).json(userView(user));
      },
    },
    {
      operationId: "login",
      method: "post",
      path: "/api/v1/auth/login",
      access: "public",
      rateTier: "login",
      summary: "Access and refresh tokens for email and password",
      tag: "auth",
      request: LoginRequestSchema,
      response: SessionSchema,
      errors: [400, 401, 429],
      handler: async (req, res) => {
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
        // Failures are counted per account and source address; a lock answers exactly like a wrong
        // password (same status, body and time), so it neither confirms the account nor reveals the lock.
        const source = req.ip ?? "unknown";
        const principal = { type: "user", id: user.id } as const;
        if (await fromDatabase(repositories.loginLockedUntil(user.id, source))) {
          await burnPasswordCheck(password);
          throw fail("locked", principal);
        }
        if (!(await verifyPassword(password, user.passwordHash)) || user.disabledAt) {
          const state = await fromDatabase(
            repositories.recordFailedLogin(user.id, source, {
              maxFailures: options.loginMaxFailures,
              lockSeconds: options.loginLockSeconds,
            }),
          );
          if (state.lockedUntil && state.failures === options.loginMaxFailures)
            audit.record(req, res, {
              action: "auth.lockout",
              outcome: "denied",
              principal,
              details: { source, lockedUntil: state.lockedUntil, failures: state.failures },
            });
          throw fail(user.disabledAt ? "disabled" : "wrong password", principal);
        }
        await fromDatabase(repositories.clearFailedLogins(user.id, source));
        const tokens = await fromDatabase(sessions.start(user));
        audit.record(req, res, {
          action: "auth.login",
          outcome: "success",
          principal: { type: "user", id: user.id },
        });
        res.json({ ...tokens, user: userView(user) });
      },
    },
    {
      operationId: "refreshSession",
      method: "post",
      path: "/api/v1/auth/refresh",
      access: "public",
      rateTier: "login",
      summary: "Rotate a refresh token; reuse of a rotated one revokes the session",
      tag: "auth",
      request: RefreshRequestSchema,
      response: SessionSchema,
      errors: [400, 401, 429],
      handler: async (req, res) => {
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
      },
    },
    {
      operationId: "logout",
      method: "post",
      path: "/api/v1/auth/logout",
      access: "authenticated",
      summary: "204: end this session",
      tag: "auth",
      request: LogoutRequestSchema,
      status: 204,
      handler: async (req, res) => {
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
      },
    },
    {
      operationId: "changePassword",
      method: "post",
      path: "/api/v1/auth/change-password",
      access: "authenticated",
      summary: "204: change the password and end every session",
      tag: "auth",
      request: ChangePasswordRequestSchema,
      status: 204,
      errors: [400],
      handler: async (req, res) => {
        const input = parseOrThrow(ChangePasswordRequestSchema, requireJsonBody(req.body), "password change");
        const principal = principalOf(res);
        if (principal?.type !== "user")
          throw new HttpError(
            403,
            "USER_REQUIRED",
            "only users have passwords; this credential is an API key",
          );
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
      },
    },
    {
      operationId: "getCurrentPrincipal",
      method: "get",
      path: "/api/v1/auth/me",
      access: "authenticated",
      summary: "The calling principal and its role",
      tag: "auth",
      response: PrincipalSchema,
      handler: (_req, res) => {
        const principal = principalOf(res);
        res.json({ type: principal?.type, id: principal?.id, role: principal?.role, name: principal?.label });
      },
    },
    {
      operationId: "createApiKey",
      auditAction: "api_key.create",
      method: "post",
      path: "/api/v1/auth/keys",
      access: "keys:manage",
      summary: "201: create an API key (shown once)",
      tag: "auth",
      request: CreateApiKeyRequestSchema,
      response: CreatedApiKeySchema,
      status: 201,
      errors: [400, 503],
      handler: async (req, res) => {
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
      },
    },
    {
      operationId: "listApiKeys",
      method: "get",
      path: "/api/v1/auth/keys",
      access: "keys:manage",
      summary: "API keys (never the secret)",
      tag: "auth",
      response: ApiKeyListSchema,
      errors: [503],
      handler: async (_req, res) => {
        res.json({ keys: (await fromDatabase(repositories.listApiKeys())).map(keyView) });
      },
    },
    {
      operationId: "revokeApiKey",
      auditAction: "api_key.revoke",
      method: "delete",
      path: "/api/v1/auth/keys/{id}",
      access: "keys:manage",
      summary: "Revoke an API key",
      tag: "auth",
      response: ApiKeySchema,
      errors: [404, 503],
      handler: async (req, res) => {
        const record = await fromDatabase(repositories.revokeApiKey(String(req.params.id ?? "")));
        if (!record) throw notFound("no such API key");
        authenticator.forgetAll();
        audit.record(req, res, {
          action: "api_key.revoke",
          outcome: "success",
          details: { keyId: record.id, prefix: record.prefix },
        });
        res.json(keyView(record));
      },
    },
    {
      operationId: "listUsers",
      method: "get",
      path: "/api/v1/users",
      access: "users:manage",
      summary: "Users (admin)",
      tag: "auth",
      response: UserListSchema,
      errors: [503],
      handler: async (_req, res) => {
        res.json({ users: (await fromDatabase(repositories.listUsers())).map(userView) });
      },
    },
  ];
}
