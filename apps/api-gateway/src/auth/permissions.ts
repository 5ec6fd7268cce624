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
  "labels:read",
  "labels:write",
  "lists:manage",
  "alerts:read",
  "alerts:manage",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const VIEWER: Permission[] = [
  "transactions:read",
  "anomalies:read",
  "models:read",
  "stream:read",
  "labels:read",
];

/**
 * What each role may do. `scorer` is for services that only submit transactions; `analyst` is a viewer
 * who also reviews anomalies, studies models, writes screening labels and sees alert destinations and dead
 * letters (`alerts:read`); `admin` may do everything, including managing keys, users, models, the cache, the
 * screening lists themselves (`lists:manage`) and alert destinations (`alerts:manage`: their URLs reach
 * outside, and their secrets sign what receivers trust).
 */
export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  viewer: new Set(VIEWER),
  scorer: new Set<Permission>(["score", "ingest"]),
  analyst: new Set<Permission>([
    ...VIEWER,
    "anomalies:review",
    "models:analyze",
    "labels:write",
    "alerts:read",
  ]),
  admin: new Set(PERMISSIONS),
};

export function hasPermission(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}
