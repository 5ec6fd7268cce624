import { ROLES } from "@chainwatch/store";
import { z } from "zod";
import { instantSchema, TimestampSchema } from "../http/instant.ts";

/** Emails are compared lower-cased everywhere; normalising here means every entry point agrees. */
const Email = z
  .string()
  .trim()
  .max(254)
  .toLowerCase()
  .pipe(z.email({ error: "must be an email address" }));

/** Long passphrases welcome; 256 bounds the hashing cost of a hostile request. */
const NewPassword = z.string().min(12, "password must be at least 12 characters").max(256);

export const RegisterRequestSchema = z
  .strictObject({ email: Email, password: NewPassword, role: z.enum(ROLES).optional() })
  .meta({ id: "RegisterRequest" });

export const LoginRequestSchema = z
  .strictObject({ email: Email, password: z.string().min(1).max(256) })
  .meta({ id: "LoginRequest" });

export const RefreshRequestSchema = z
  .strictObject({ refreshToken: z.string().min(1).max(200) })
  .meta({ id: "RefreshRequest" });

export const LogoutRequestSchema = z
  .strictObject({ refreshToken: z.string().min(1).max(200).optional() })
  .meta({ id: "LogoutRequest" });

export const ChangePasswordRequestSchema = z
  .strictObject({ currentPassword: z.string().min(1).max(256), newPassword: NewPassword })
  .meta({ id: "ChangePasswordRequest" });

export const CreateApiKeyRequestSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    role: z.enum(ROLES),
    expiresInDays: z.number().int().min(1).max(3_650).optional(),
  })
  .meta({ id: "CreateApiKeyRequest" });

export const AuditQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  action: z.string().max(64).optional(),
  outcome: z.enum(["success", "failure", "denied"]).optional(),
  principalId: z.string().max(64).optional(),
  since: instantSchema("since").optional(),
  cursor: z.string().max(512).optional(),
});

// --- Responses

const Role = z.enum(ROLES);

export const UserSchema = z
  .object({ id: z.string(), email: z.string(), role: Role, createdAt: TimestampSchema })
  .meta({ id: "User" });

export const UserListSchema = z.object({ users: z.array(UserSchema) }).meta({ id: "UserList" });

export const SessionSchema = z
  .object({
    accessToken: z.string().describe("A JWT; send it as `Authorization: Bearer <token>`"),
    refreshToken: z.string().describe("Opaque; rotates on every refresh, and reuse revokes the session"),
    tokenType: z.literal("Bearer"),
    expiresIn: z.number().int().describe("Seconds the access token is valid"),
    refreshExpiresIn: z.number().int().describe("Seconds the refresh token is valid"),
    user: UserSchema,
  })
  .meta({ id: "Session" });

export const PrincipalSchema = z
  .object({
    type: z.enum(["api_key", "user"]),
    id: z.string(),
    role: Role,
    name: z.string().describe("Key name or user email"),
  })
  .meta({ id: "Principal" });

export const ApiKeySchema = z
  .object({
    id: z.string(),
    prefix: z.string().describe("The first characters of the key, to recognise it; never the secret"),
    name: z.string(),
    role: Role,
    createdBy: z.string(),
    createdAt: TimestampSchema,
    expiresAt: TimestampSchema.nullable(),
    revokedAt: TimestampSchema.nullable(),
    lastUsedAt: TimestampSchema.nullable().describe("Updated about once a minute"),
  })
  .meta({ id: "ApiKey" });

export const CreatedApiKeySchema = ApiKeySchema.extend({
  key: z.string().describe("The key itself: shown this once, stored only as a hash"),
}).meta({ id: "CreatedApiKey" });

export const ApiKeyListSchema = z.object({ keys: z.array(ApiKeySchema) }).meta({ id: "ApiKeyList" });

export const AuditLogEntrySchema = z
  .object({
    id: z.string(),
    occurredAt: TimestampSchema,
    action: z.string(),
    outcome: z.enum(["success", "failure", "denied"]),
    principalType: z.enum(["api_key", "user", "anonymous", "system"]),
    principalId: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    requestId: z.string().nullable(),
    resource: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: "AuditLogEntry" });

export const AuditLogPageSchema = z
  .object({
    items: z.array(AuditLogEntrySchema).describe("Newest first"),
    nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last page"),
    total: z.number().int(),
  })
  .meta({ id: "AuditLogPage" });

export const AuditStatsSchema = z
  .object({
    since: TimestampSchema,
    byAction: z
      .record(z.string(), z.record(z.string(), z.number().int()))
      .describe("action → outcome → count"),
    total: z.number().int(),
  })
  .meta({ id: "AuditStats" });
