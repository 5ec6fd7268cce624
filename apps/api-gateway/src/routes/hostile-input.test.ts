import { createPgliteDatabase, type Database } from "@chainwatch/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RawResponse } from "../testing/http-client.ts";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

/** Every route that reads a body, called as admin so requests get past authorisation into validation. */
const BODY_ROUTES: readonly { method: "POST" | "DELETE"; path: string }[] = [
  { method: "POST", path: "/api/v1/predict" },
  { method: "POST", path: "/api/v1/batch/predict" },
  { method: "POST", path: "/api/v1/transactions" },
  { method: "POST", path: "/api/v1/batch/transactions" },
  { method: "POST", path: "/api/v1/batch/transactions/lookup" },
  { method: "POST", path: "/api/v1/anomalies/1/review" },
  { method: "POST", path: "/api/v1/batch/cache/warm" },
  { method: "POST", path: "/api/v1/auth/register" },
  { method: "POST", path: "/api/v1/auth/login" },
  { method: "POST", path: "/api/v1/auth/refresh" },
  { method: "POST", path: "/api/v1/auth/logout" },
  { method: "POST", path: "/api/v1/auth/change-password" },
  { method: "POST", path: "/api/v1/auth/keys" },
];

const deep = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;
const wrongTypes = {
  hash: 123,
  value: "lots",
  gas: {},
  gasPrice: [],
  transactions: "all of them",
  hashes: { a: 1 },
  numRecent: "NaN",
  email: 5,
  password: [],
  falsePositive: "yes",
  name: {},
  role: "root",
  refreshToken: 42,
  currentPassword: null,
  newPassword: 1,
};

/** Raw bodies (sent as application/json unless the entry says otherwise). Each is invalid for every route. */
const HOSTILE_BODIES: readonly { name: string; body: string | Buffer; contentType?: string }[] = [
  { name: "truncated object", body: '{"hash": "0x' },
  { name: "truncated array", body: "[1, 2" },
  { name: "single quotes", body: "{'hash': 1}" },
  { name: "trailing garbage", body: '{"a":1}}' },
  { name: "bare word", body: "nul" },
  { name: "NUL byte", body: "\u0000" },
  { name: "top-level string", body: '"just a string"' },
  { name: "top-level number", body: "123" },
  { name: "top-level null", body: "null" },
  { name: "empty array", body: "[]" },
  { name: "wrong types", body: JSON.stringify(wrongTypes) },
  {
    name: "huge numbers",
    body: '{"hash":"0x1","value":1e400,"gas":1e400,"gasPrice":-1e400,"numRecent":1e400}',
  },
  {
    name: "NaN and Infinity strings",
    body: JSON.stringify({ ...wrongTypes, value: "NaN", gas: "Infinity" }),
  },
  { name: "deep nesting", body: deep(5_000) },
  { name: "deep object", body: `${'{"a":'.repeat(2_000)}1${"}".repeat(2_000)}` },
  {
    name: "10k-element array",
    body: JSON.stringify({ transactions: Array(10_001).fill(1), hashes: Array(10_001).fill("x") }),
  },
  { name: "__proto__ key", body: '{"__proto__":{"isAdmin":true},"hash":"0x1"}' },
  { name: "constructor key", body: '{"constructor":{"prototype":{"polluted":true}}}' },
  { name: "nested __proto__", body: '{"transactions":[{"__proto__":{"x":1}}],"hashes":[{"__proto__":1}]}' },
  {
    name: "invalid UTF-8",
    body: Buffer.from([
      0x7b, 0x22, 0x68, 0x61, 0x73, 0x68, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d,
    ]),
  },
  {
    name: "SQL fragments",
    body: JSON.stringify({ ...wrongTypes, hash: "0x' OR '1'='1", email: "' OR 1=1 --" }),
  },
  {
    name: "script fragments",
    body: JSON.stringify({
      ...wrongTypes,
      name: "<script>alert(1)</script>",
      hash: "<img src=x onerror=alert(1)>",
    }),
  },
  { name: "oversized string", body: JSON.stringify({ ...wrongTypes, hash: "0x".padEnd(300_000, "a") }) },
  { name: "text/plain body", body: "hash=0x1", contentType: "text/plain" },
  { name: "form body", body: "hash=0x1&value=2", contentType: "application/x-www-form-urlencoded" },
];

/** Hostile paths and query strings for the read routes. */
const HOSTILE_GETS: readonly string[] = [
  "/api/v1/transactions/0x' OR 1=1--",
  "/api/v1/transactions/%00",
  "/api/v1/transactions/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
  `/api/v1/transactions/0x${"g".repeat(64)}`,
  `/api/v1/transactions/${"0x".padEnd(5_000, "a")}`,
  "/api/v1/transactions/..%2F..%2Fetc%2Fpasswd",
  "/api/v1/anomalies?limit=-1",
  "/api/v1/anomalies?limit=1e400",
  "/api/v1/anomalies?limit=NaN",
  "/api/v1/anomalies?limit=Infinity",
  "/api/v1/anomalies?limit=10001",
  "/api/v1/anomalies?severity=%3Cscript%3E",
  "/api/v1/anomalies?severity[]=high",
  "/api/v1/anomalies?severity=high'%20OR%201=1",
  "/api/v1/anomalies?since=' OR 1=1",
  "/api/v1/anomalies?since=2026-13-45T99:99:99Z",
  "/api/v1/anomalies?address=0x' OR 1=1--",
  "/api/v1/anomalies?address[]=0x1",
  "/api/v1/anomalies?reasonCode=%00",
  "/api/v1/anomalies?reasonCode=a&reasonCode=b",
  "/api/v1/anomalies?reasonKind=__proto__",
  "/api/v1/anomalies?listId=../../etc/passwd",
  "/api/v1/anomalies?reviewed=1",
  "/api/v1/anomalies?cursor=../../etc/passwd",
  "/api/v1/anomalies?cursor=%00%00",
  `/api/v1/anomalies?cursor=${"A".repeat(600)}`,
  "/api/v1/anomalies?__proto__[x]=1",
  "/api/v1/anomalies?constructor=1",
  "/api/v1/batch/anomalies/recent?limit=abc&limit=def",
  "/api/v1/batch/anomalies/recent?unknown=1",
  "/api/v1/batch/cache/warm/%00",
  "/api/v1/batch/cache/warm/' OR 1=1",
  "/api/v1/audit-logs?limit=0",
  "/api/v1/audit-logs?outcome=<script>",
  "/api/v1/audit-logs?cursor=abc",
  "/api/v1/audit-logs/stats?since=yesterday",
  "/api/v1/auth/keys/not-a-uuid",
  "/api/v1/nothing/here",
  "/api/v1/predict?x=1",
];

const TABLES = [
  "transactions",
  "predictions",
  "anomalies",
  "users",
  "api_keys",
  "refresh_tokens",
  "model_versions",
];

describe("hostile input across every route", () => {
  let app: TestGateway;
  let database: Database;
  const countRows = async () =>
    Object.fromEntries(
      await Promise.all(
        TABLES.map(async (table) => {
          const { rows } = await database.query<{ count: string }>(
            `SELECT count(*)::text AS count FROM ${table}`,
          );
          return [table, rows[0]?.count] as const;
        }),
      ),
    );

  beforeAll(async () => {
    database = await createPgliteDatabase();
    app = await startTestGateway({ MAX_SMALL_REQUEST_SIZE: "262144" }, { database });
  });
  afterAll(async () => {
    await app.stop();
    await database.close();
  });

  it("answers at least 300 malformed or oversized requests with 4xx JSON and changes no data", async () => {
    const before = await countRows();
    const requests: { label: string; send: () => Promise<RawResponse> }[] = [];
    for (const route of BODY_ROUTES) {
      for (const hostile of HOSTILE_BODIES) {
        requests.push({
          label: `${route.method} ${route.path} ${hostile.name}`,
          send: () =>
            app.send(route.path, {
              method: route.method,
              body: hostile.body,
              headers: { "content-type": hostile.contentType ?? "application/json" },
            }),
        });
      }
    }
    for (const path of HOSTILE_GETS) requests.push({ label: `GET ${path}`, send: () => app.send(path) });
    for (const route of BODY_ROUTES) {
      requests.push({
        label: `${route.method} ${route.path} oversized`,
        send: () =>
          app.send(route.path, { method: route.method, body: Buffer.alloc(11 * 1024 * 1024, 0x20) }),
      });
    }
    expect(requests.length).toBeGreaterThanOrEqual(300);

    const failures: string[] = [];
    // Ten at a time: enough to overlap requests without turning the test into a load test.
    for (let start = 0; start < requests.length; start += 10) {
      const slice = requests.slice(start, start + 10);
      const responses = await Promise.all(slice.map((request) => request.send()));
      responses.forEach((response, index) => {
        const label = slice[index]?.label ?? "?";
        const code = (response.json as { code?: unknown } | undefined)?.code;
        if (response.status < 400 || response.status >= 500 || typeof code !== "string") {
          failures.push(`${label} → ${response.status} ${response.text.slice(0, 120)}`);
        }
        if (/at .+\.ts:\d+|node_modules|SELECT |postgres:\/\//.test(response.text))
          failures.push(`${label} leaked internals`);
      });
    }
    expect(failures).toEqual([]);
    expect((await app.send("/health/live")).status).toBe(200);
    expect(await countRows()).toEqual(before);
  });
});
