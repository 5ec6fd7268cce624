import type { Role } from "@chainwatch/store";
import type { Response } from "express";

/** Who is calling, as resolved from the stored credential (never from the token's say-so alone). */
export interface Principal {
  type: "api_key" | "user";
  id: string;
  role: Role;
  /** Key name or user email, for audit and /auth/me. */
  label: string;
  /** Refresh family of a user's session. */
  sessionId?: string;
}

/** Why a presented credential was refused; each maps to 401 with this code. */
export type CredentialProblem = "INVALID_CREDENTIALS" | "CREDENTIALS_EXPIRED" | "CREDENTIALS_REVOKED";

/** The principal the auth middleware resolved for this request, if any. */
export function principalOf(res: Response): Principal | undefined {
  return res.locals.principal as Principal | undefined;
}

/** Who did it, as recorded in history rows (deployments, reviews): `<type>:<id>`, or "anonymous". */
export function actorOf(res: Response): string {
  const principal = principalOf(res);
  return principal ? `${principal.type}:${principal.id}` : "anonymous";
}
