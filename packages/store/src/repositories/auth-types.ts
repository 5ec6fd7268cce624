export const ROLES = ["viewer", "scorer", "analyst", "admin"] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKeyRecord {
  id: string;
  prefix: string;
  keyHash: string;
  name: string;
  role: Role;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface NewApiKey {
  prefix: string;
  keyHash: string;
  name: string;
  role: Role;
  createdBy: string;
  expiresAt: Date | null;
}

export interface UserRecord {
  id: string;
  email: string;
  passwordHash: string;
  role: Role;
  createdAt: string;
  disabledAt: string | null;
}

export interface RefreshTokenRecord {
  id: string;
  userId: string;
  familyId: string;
  tokenHash: string;
  expiresAt: string;
  rotatedAt: string | null;
  revokedAt: string | null;
}

export interface AuditEntry {
  action: string;
  outcome: "success" | "failure" | "denied";
  principalType: "api_key" | "user" | "anonymous" | "system";
  principalId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  resource: string | null;
  details?: Record<string, unknown>;
}

export interface AuditLogView extends Omit<AuditEntry, "details"> {
  id: string;
  occurredAt: string;
  details: Record<string, unknown>;
}

export interface AuditQuery {
  limit: number;
  action?: string;
  outcome?: AuditEntry["outcome"];
  principalId?: string;
  since?: Date;
  cursor?: string;
}

/** Failed logins of one account from one source, after counting the latest. */
export interface LoginFailureState {
  failures: number;
  /** Set once the count reached the maximum: no login from this source until then. */
  lockedUntil: string | null;
}
