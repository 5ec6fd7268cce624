import { ROLES } from "@chainwatch/store";
import { z } from "zod";
import { instantSchema } from "../http/instant.ts";

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
