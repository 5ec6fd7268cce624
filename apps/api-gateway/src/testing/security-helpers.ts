import type { Role } from "@chainwatch/store";
import type { Permission } from "../auth/permissions.ts";
import type { TestGateway } from "./test-gateway.ts";

/** One protected route, a request that would otherwise be valid, and what it needs. */
export interface ProtectedRoute {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  body?: unknown;
  access: Permission | "authenticated";
}

const hash = `0x${"ab".repeat(32)}`;
const tx = { hash, value: 1, gas: 21_000, gasPrice: 20 };

/**
 * Every route that needs a credential. openapi/document.test.ts checks both ways: each entry is documented,
 * and each documented operation that is not public has an entry here.
 */
export const PROTECTED_ROUTES: readonly ProtectedRoute[] = [
  { method: "POST", path: "/api/v1/predict", body: tx, access: "score" },
  { method: "POST", path: "/api/v1/batch/predict", body: { transactions: [tx] }, access: "score" },
  { method: "POST", path: "/api/v1/transactions", body: tx, access: "ingest" },
  { method: "POST", path: "/api/v1/batch/transactions", body: { transactions: [tx] }, access: "ingest" },
  { method: "GET", path: `/api/v1/transactions/${hash}`, access: "transactions:read" },
  {
    method: "POST",
    path: "/api/v1/batch/transactions/lookup",
    body: { hashes: [hash] },
    access: "transactions:read",
  },
  { method: "GET", path: "/api/v1/anomalies", access: "anomalies:read" },
  { method: "GET", path: "/api/v1/anomalies/stats", access: "anomalies:read" },
  { method: "GET", path: "/api/v1/batch/anomalies/recent", access: "anomalies:read" },
  {
    method: "POST",
    path: "/api/v1/anomalies/1/review",
    body: { falsePositive: true },
    access: "anomalies:review",
  },
  { method: "GET", path: "/api/v1/stream/status", access: "stream:read" },
  { method: "POST", path: "/api/v1/batch/cache/warm", body: { numRecent: 1 }, access: "cache:manage" },
  { method: "GET", path: "/api/v1/batch/cache/warm/some-job", access: "cache:manage" },
  { method: "GET", path: "/api/v1/auth/me", access: "authenticated" },
  { method: "POST", path: "/api/v1/auth/logout", body: {}, access: "authenticated" },
  {
    method: "POST",
    path: "/api/v1/auth/change-password",
    body: { currentPassword: "x", newPassword: "y".repeat(12) },
    access: "authenticated",
  },
  { method: "POST", path: "/api/v1/auth/keys", body: { name: "k", role: "viewer" }, access: "keys:manage" },
  { method: "GET", path: "/api/v1/auth/keys", access: "keys:manage" },
  { method: "DELETE", path: "/api/v1/auth/keys/00000000-0000-0000-0000-000000000000", access: "keys:manage" },
  { method: "GET", path: "/api/v1/users", access: "users:manage" },
  { method: "GET", path: "/api/v1/audit-logs", access: "audit:read" },
  { method: "GET", path: "/api/v1/audit-logs/stats", access: "audit:read" },
  { method: "GET", path: "/api/v1/models", access: "models:read" },
  { method: "GET", path: "/api/v1/models/if-000000000000", access: "models:read" },
  { method: "GET", path: "/api/v1/models/jobs/some-job", access: "models:read" },
  {
    method: "POST",
    path: "/api/v1/models/train",
    // A file source without MODEL_TRAINING_DATA_DIR: refused (400) after authorisation, nothing trains.
    body: { source: { kind: "file", path: "data.csv" } },
    access: "models:manage",
  },
  {
    method: "POST",
    path: "/api/v1/models/if-000000000000/deploy",
    body: { strategy: "shadow" },
    access: "models:manage",
  },
  {
    method: "PUT",
    path: "/api/v1/models/if-000000000000/traffic",
    body: { percent: 5 },
    access: "models:manage",
  },
  {
    method: "POST",
    path: "/api/v1/models/rollback",
    body: { fromVersion: "if-000000000000" },
    access: "models:manage",
  },
  {
    method: "POST",
    path: "/api/v1/models/compare",
    body: {
      versions: ["if-000000000000", "if-000000000001"],
      since: "2025-01-01T00:00:00Z",
      until: "2025-01-02T00:00:00Z",
    },
    access: "models:analyze",
  },
  { method: "POST", path: "/api/v1/models/drift", body: { maxRows: 100 }, access: "models:analyze" },
  { method: "GET", path: "/api/v1/models/drift", access: "models:read" },
];

/** Creates an API key with `role` through the admin API and returns it. */
export async function createKey(
  app: TestGateway,
  role: Role,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const response = await app.send("/api/v1/auth/keys", {
    method: "POST",
    body: { name: `test ${role}`, role, ...extra },
  });
  if (response.status !== 201) throw new Error(`key creation failed: ${response.status} ${response.text}`);
  return (response.json as { key: string }).key;
}
