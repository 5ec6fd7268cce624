#!/usr/bin/env node
/**
 * node src/cli/profile-gateway.ts [hit|miss|batch|batch-hit] [seconds=10] [embedded|services]
 *
 * Starts the gateway under `node --cpu-prof`, drives one throughput variant with autocannon, and prints
 * the request rate, the gateway's CPU time per request (busy samples / requests: comparable across runs
 * even when other jobs share the machine) and where that time went (the load window only). `services`:
 * the gateway on Redis (REDIS_URL) and a scratch PostgreSQL schema (DATABASE_URL) instead of its embedded
 * default.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLoad } from "../bench/load.ts";
import { poolHash, transactionFor } from "../data/transactions.ts";
import { formatLoad, loadAverages } from "../machine.ts";
import { createScratchSchema } from "../processes/database.ts";
import { createApiKeys, startGateway } from "../processes/gateway.ts";
import { busyMilliseconds, summariseProfile } from "./profile-summary.ts";

const variant = process.argv[2] ?? "hit";
const seconds = Number(process.argv[3] ?? 10);
const stack = process.argv[4] ?? "embedded";
const directory = mkdtempSync(join(tmpdir(), "chainwatch-prof-"));
const scratch =
  stack === "services"
    ? await createScratchSchema(process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test")
    : undefined;
const gatewayEnv: Record<string, string> = scratch
  ? { REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379", DATABASE_URL: scratch.databaseUrl }
  : {};
const gateway = await startGateway(gatewayEnv, {
  nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${directory}`],
});
const keys = await createApiKeys(gateway.url, gateway.adminKey, "profile");
const headers = { "content-type": "application/json", "accept-encoding": "gzip", "x-api-key": keys.scorer };
const single = JSON.stringify(transactionFor(poolHash("cafe0001", 1)));
let counter = 0;
const freshHash = () => `0x${(0x8000000000000000n + BigInt(++counter)).toString(16)}${"0".repeat(48)}`;
const batch = (size: number) =>
  JSON.stringify({
    transactions: Array.from({ length: size }, (_, i) => transactionFor(poolHash("cafe0003", i))),
  });
const batchBody = batch(1_000);
const load =
  variant === "batch-hit"
    ? { url: `${gateway.url}/api/v1/batch/predict`, body: batchBody, connections: 4 }
    : variant === "batch"
      ? {
          url: `${gateway.url}/api/v1/batch/predict`,
          nextBody: () =>
            batchBody.replaceAll(
              '"hash":"0xcafe0003',
              `"hash":"0x${(++counter).toString(16).padStart(8, "0")}`,
            ),
          connections: 4,
        }
      : variant === "miss"
        ? {
            url: `${gateway.url}/api/v1/predict`,
            nextBody: () => single.replace(/"hash":"0x[0-9a-f]{64}"/, `"hash":"${freshHash()}"`),
            connections: 50,
          }
        : { url: `${gateway.url}/api/v1/predict`, body: single, connections: 50 };
await runLoad({ ...load, headers, durationSeconds: 2 });
const loadBefore = loadAverages();
const result = await runLoad({ ...load, headers, durationSeconds: seconds });
const stoppedAt = Date.now();
// The profile is written at exit: a SIGKILL after the default grace (PGlite flushing under load) loses it.
await gateway.service.stop(120_000);
const shutdownMs = Date.now() - stoppedAt;
const file = readdirSync(directory).find((name) => name.endsWith(".cpuprofile"));
if (!file) throw new Error(`no profile written in ${directory}`);
const profile = JSON.parse(readFileSync(join(directory, file), "utf8"));
const window = { fromEndMs: seconds * 1000 + shutdownMs, toEndMs: shutdownMs + 100 };
const busyMs = busyMilliseconds(profile, window);
process.stdout.write(
  `${variant}: ${Math.round(result.requestsPerSecond)} req/s (${result.requests} in ${seconds} s${variant.startsWith("batch") ? `: ${Math.round((result.requests * 1000) / seconds)} tx/s` : ""}), p50 ${result.p50Ms.toFixed(1)} / p95 ${result.p95Ms.toFixed(1)} / p99 ${result.p99Ms.toFixed(1)} ms; ` +
    `gateway CPU ${((busyMs * 1000) / result.requests).toFixed(0)} µs per request; load ${formatLoad(loadBefore)}\n` +
    `profile: ${join(directory, file)}\n${summariseProfile(profile, 40, window)}\n`,
);
await scratch?.drop();
