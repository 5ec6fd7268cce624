import type { Role } from "@chainwatch/store";

export const PERMISSIONS = [
  "transactions:read",
  "anomalies:read",
  "models:read",
  "stream:read",
  "score",
  "ingest",
  "anomalies:review",
  "models:analyze",
  "models:manage",
  "keys:manage",
  "users:manage",
  "cache:manage",
  "audit:read",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const VIEWER: Permission[] = ["transactions:read", "anomalies:read", "models:read", "stream:read"];

/**
 * What each role may do. `scorer` is for services that only submit transactions; `analyst` is a viewer
 * who also reviews anomalies and studies models; `admin` may do everything, including managing keys,
 * users, models and the cache.
 */
export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  viewer: new Set(VIEWER),
  scorer: new Set<Permission>(["score", "ingest"]),
  analyst: new Set<Permission>([...VIEWER, "anomalies:review", "models:analyze"]),
  admin: new Set(PERMISSIONS),
};

export function hasPermission(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}
