#!/usr/bin/env node
/**
 * pnpm --filter @chainwatch/loadtests soak -- [--minutes 10] [--rate 500] [--kafka] [--redis --postgres]
 *   [--on-disk] [--gateway-heap-mib N]
 *
 * Memory soak (issue #21): distinct transactions, never a repeat, sent at a steady rate for `--minutes`,
 * while the RSS of each process is recorded every `--sample-seconds` (10). The gateway gets batches of 50 on
 * POST /api/v1/batch/predict (embedded defaults, or `--redis --postgres` for the local services, a scratch
 * schema dropped after; `--on-disk`: the embedded default's on-disk PGlite in a temporary directory, removed
 * after, instead of the harness's in-memory one; `--gateway-heap-mib`: the gateway alone under
 * `--max-old-space-size`). `--kafka` also runs a scoring worker (PostgreSQL scratch schema, in-process cache)
 * fed the same rate of distinct transactions through a topic of its own. Prints one table row per sample and
 * writes results/soak-<time>.json. Growth is judged on the second half (after warm-up): a flat curve has a
 * last-half slope near zero. Once a second it also GETs the gateway's /health/live (the event loop alone)
 * and /health (which pings the database) with a 10 s timeout: their latency shows whether the gateway
 * stays responsive under the load (each sample has the worst of its interval, the summary p50/p99/max).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  createKafkaClient,
  createPublisher,
  createStreamAdmin,
  encodeMessage,
  inputMessageKey,
  MESSAGE_SCHEMA_VERSION,
} from "@chainwatch/kafka";
import { createLogger, withTimeout } from "@chainwatch/service-kit";
import { workerMain } from "../bench/kafka-pipeline.ts";
import { transactionFor } from "../data/transactions.ts";
import { formatLoad, loadAverages, machineInfo } from "../machine.ts";
import { startLatencyProbe } from "../metrics/latency-probe.ts";
import { fetchMetrics, sampleValue } from "../metrics/prometheus.ts";
import { type ChildService, cpuTimeMs, procStatusBytes, spawnNode } from "../processes/child-service.ts";
import { createScratchSchema, type ScratchSchema } from "../processes/database.ts";
import { createApiKeys, startGateway } from "../processes/gateway.ts";
import { redisKeyScope } from "../processes/services-env.ts";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg, index) => !(index === 0 && arg === "--")),
  options: {
    minutes: { type: "string", default: "10" },
    rate: { type: "string", default: "500" },
    "sample-seconds": { type: "string", default: "10" },
    kafka: { type: "boolean", default: false },
    redis: { type: "boolean", default: false },
    postgres: { type: "boolean", default: false },
    "on-disk": { type: "boolean", default: false },
    "gateway-heap-mib": { type: "string" },
  },
});
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const sampleMs = Number(values["sample-seconds"]) * 1000;
const heapMiB = values["gateway-heap-mib"];
const serverUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const brokers = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");
const log = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const BATCH = 50;

/** A hash never sent before in this run or another (run id + counter). */
const runId = `${Date.now().toString(16).slice(-10)}`;
let sent = 0;
const freshHash = (lane: string) =>
  `0x${lane}${runId}${(sent++).toString(16).padStart(12, "0")}`.padEnd(66, "0").slice(0, 66);

interface Sample {
  elapsedSeconds: number;
  gatewayRssMiB: number;
  /** From the gateway's /metrics (prom-client): V8 heap in use and memory held outside it (buffers). */
  gatewayHeapUsedMiB?: number;
  gatewayExternalMiB?: number;
  gatewayCpuSeconds: number;
  workerRssMiB?: number;
  workerCpuSeconds?: number;
  gatewayTransactions: number;
  /** Worst probe latency since the previous sample, per path (10,000 = timed out). */
  worstProbeMs: Record<string, number>;
  workerTransactions?: number;
  load: number[];
}

const scratch: ScratchSchema[] = [];
const gatewayEnv: Record<string, string> = {};
// Keys of this run only (removed after): a second soak beside it, or the next one, shares no address state.
const redisUrl = values.redis ? (process.env.REDIS_URL ?? "redis://127.0.0.1:6379") : undefined;
const redisKeys = redisUrl ? redisKeyScope(redisUrl, "soak") : undefined;
if (redisUrl && redisKeys) {
  gatewayEnv.REDIS_URL = redisUrl;
  gatewayEnv.REDIS_KEY_PREFIX = redisKeys.keyPrefix;
}
if (values.postgres) {
  const schema = await createScratchSchema(serverUrl);
  scratch.push(schema);
  gatewayEnv.DATABASE_URL = schema.databaseUrl;
}
const dataDir = values["on-disk"] ? mkdtempSync(join(tmpdir(), "chainwatch-soak-pglite-")) : undefined;
if (dataDir) gatewayEnv.PGLITE_DATA_DIR = dataDir;
const stack =
  values.redis || values.postgres
    ? "Redis + PostgreSQL"
    : `embedded (PGlite ${dataDir ? "on disk" : "in memory"})`;
log(
  `soak: ${minutes} min, ${rate} distinct tx/s to the gateway (${stack})${values.kafka ? ` and ${rate} tx/s to a worker` : ""}; ` +
    `RSS every ${sampleMs / 1000} s;${heapMiB ? ` gateway --max-old-space-size=${heapMiB};` : ""} machine ${machineInfo().cores} cores; load ${formatLoad(loadAverages())}`,
);
const gateway = await startGateway(gatewayEnv, {
  name: "soak-gateway",
  ...(heapMiB ? { nodeArgs: [`--max-old-space-size=${Number(heapMiB)}`] } : {}),
});
const keys = await createApiKeys(gateway.url, gateway.adminKey, "soak");

let worker: ChildService | undefined;
let publishTopic: string | undefined;
const logger = createLogger({ name: "soak", level: "warn" });
const kafka = values.kafka ? createKafkaClient({ brokers, clientId: "chainwatch-soak", logger }) : undefined;
const admin = kafka ? createStreamAdmin({ kafka, logger }) : undefined;
const publisher = kafka ? createPublisher({ kafka, logger, timeoutMs: 30_000 }) : undefined;
const topics = {
  KAFKA_TOPIC_TRANSACTIONS: `chainwatch.soak.${runId}.transactions.v1`,
  KAFKA_TOPIC_SCORES: `chainwatch.soak.${runId}.scores.v1`,
  KAFKA_TOPIC_ANOMALIES: `chainwatch.soak.${runId}.anomalies.v1`,
  KAFKA_TOPIC_DLQ: `chainwatch.soak.${runId}.dlq.v1`,
};
if (kafka && admin && publisher) {
  await admin.ensureTopics(Object.values(topics).map((topic) => ({ topic, numPartitions: 6 })));
  await publisher.connect();
  publishTopic = topics.KAFKA_TOPIC_TRANSACTIONS;
  const schema = await createScratchSchema(serverUrl);
  scratch.push(schema);
  worker = spawnNode("soak-worker", workerMain, {
    LOG_LEVEL: "warn",
    HEALTH_PORT: "0",
    HEALTH_HOST: "127.0.0.1",
    KAFKA_BROKERS: brokers.join(","),
    KAFKA_GROUP_ID: `soak-${runId}`,
    KAFKA_TOPIC_PARTITIONS: "6",
    ...topics,
    DATABASE_URL: serverUrl,
    DATABASE_SCHEMA: schema.schema,
    REDIS_URL: undefined,
    REDIS_ENABLED: "false",
    KAFKA_FROM_BEGINNING: "true",
  });
}

const samples: Sample[] = [];
let gatewayDone = 0;
let workerSent = 0;
let failures = 0;
const startedAt = performance.now();
const endAt = startedAt + minutes * 60_000;
const mib = (bytes: number | undefined) => Math.round(((bytes ?? 0) / 2 ** 20) * 10) / 10;
const probe = startLatencyProbe({ baseUrl: gateway.url, paths: ["/health/live", "/health"], until: endAt });

/** Paced sender: `rate` tx/s in batches of BATCH, never more than 8 requests in flight. */
async function gatewayLoop() {
  const intervalMs = (1000 * BATCH) / rate;
  let next = performance.now();
  const inFlight = new Set<Promise<void>>();
  while (performance.now() < endAt) {
    next += intervalMs;
    const body = JSON.stringify({
      transactions: Array.from({ length: BATCH }, () => transactionFor(freshHash("a"))),
    });
    const request = fetch(`${gateway.url}/api/v1/batch/predict`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": keys.scorer },
      body,
    })
      .then(async (response) => {
        await response.arrayBuffer();
        if (response.ok) gatewayDone += BATCH;
        else failures++;
      })
      .catch(() => {
        failures++;
      })
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
    if (inFlight.size >= 8) await Promise.race(inFlight);
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
  }
  await Promise.all(inFlight);
}

async function workerLoop() {
  if (!publisher || !publishTopic) return;
  const intervalMs = 100;
  const perTick = Math.max(1, Math.round((rate * intervalMs) / 1000));
  let next = performance.now();
  const publishedAt = new Date().toISOString();
  while (performance.now() < endAt) {
    next += intervalMs;
    const messages = Array.from({ length: perTick }, () => {
      const transaction = transactionFor(freshHash("b"));
      return {
        key: inputMessageKey({
          hash: String(transaction.hash),
          from: typeof transaction.from === "string" ? transaction.from : null,
        }),
        value: encodeMessage({
          schemaVersion: MESSAGE_SCHEMA_VERSION,
          transaction,
          source: "soak",
          publishedAt,
        }),
      };
    });
    await publisher.publish([{ topic: publishTopic, messages }]);
    workerSent += messages.length;
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
  }
}

async function sampler() {
  while (performance.now() < endAt + 1) {
    const metrics = await withTimeout(fetchMetrics(gateway.url), 5_000, "metrics").catch(() => undefined);
    const sample: Sample = {
      elapsedSeconds: Math.round((performance.now() - startedAt) / 1000),
      gatewayRssMiB: mib(procStatusBytes(gateway.service.pid, "VmRSS")),
      gatewayCpuSeconds: (cpuTimeMs(gateway.service.pid) ?? 0) / 1000,
      ...(metrics
        ? {
            gatewayHeapUsedMiB: mib(sampleValue(metrics, "nodejs_heap_size_used_bytes")),
            gatewayExternalMiB: mib(sampleValue(metrics, "nodejs_external_memory_bytes")),
          }
        : {}),
      gatewayTransactions: gatewayDone,
      worstProbeMs: probe.takeWorstMs(),
      load: loadAverages(),
      ...(worker
        ? {
            workerRssMiB: mib(procStatusBytes(worker.pid, "VmRSS")),
            workerCpuSeconds: (cpuTimeMs(worker.pid) ?? 0) / 1000,
            workerTransactions: workerSent,
          }
        : {}),
    };
    samples.push(sample);
    log(
      [
        `${String(sample.elapsedSeconds).padStart(5)} s`,
        `gateway RSS ${sample.gatewayRssMiB} MiB (heap ${sample.gatewayHeapUsedMiB ?? "?"}, external ${sample.gatewayExternalMiB ?? "?"})`,
        `${sample.gatewayTransactions} tx`,
        sample.workerRssMiB === undefined
          ? ""
          : `worker RSS ${sample.workerRssMiB} MiB, ${sample.workerTransactions} tx published`,
        `failed requests ${failures}`,
        `worst /health/live ${sample.worstProbeMs["/health/live"]} ms, /health ${sample.worstProbeMs["/health"]} ms`,
        `load ${formatLoad(sample.load)}`,
      ]
        .filter(Boolean)
        .join(" | "),
    );
    const wait = Math.min(sampleMs, endAt - performance.now());
    if (wait <= 0) break;
    await sleep(wait);
  }
}

/** MiB per minute over the second half of the samples (least squares): after warm-up, ~0 when flat. */
function lateSlope(points: { x: number; y: number }[]): number {
  const half = points.slice(Math.floor(points.length / 2));
  if (half.length < 2) return 0;
  const meanX = half.reduce((sum, p) => sum + p.x, 0) / half.length;
  const meanY = half.reduce((sum, p) => sum + p.y, 0) / half.length;
  const num = half.reduce((sum, p) => sum + (p.x - meanX) * (p.y - meanY), 0);
  const den = half.reduce((sum, p) => sum + (p.x - meanX) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 60;
}

try {
  await Promise.all([gatewayLoop(), workerLoop(), sampler(), probe.done]);
} finally {
  await gateway.stop();
  await worker?.stop(30_000);
  await publisher?.close();
  if (admin) {
    await admin.deleteTopics(Object.values(topics)).catch(() => {});
    await admin.close();
  }
  for (const schema of scratch) await schema.drop().catch(() => {});
  await redisKeys?.remove();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
const summary = {
  stack,
  minutes,
  rate,
  gatewayTransactions: gatewayDone,
  failedRequests: failures,
  gatewayPeakRssMiB: Math.max(...samples.map((s) => s.gatewayRssMiB)),
  gatewayLateSlopeMiBPerMinute: lateSlope(samples.map((s) => ({ x: s.elapsedSeconds, y: s.gatewayRssMiB }))),
  gatewayProbes: probe.summary(),
  ...(worker
    ? {
        workerPeakRssMiB: Math.max(...samples.map((s) => s.workerRssMiB ?? 0)),
        workerLateSlopeMiBPerMinute: lateSlope(
          samples.map((s) => ({ x: s.elapsedSeconds, y: s.workerRssMiB ?? 0 })),
        ),
      }
    : {}),
};
log(`\n${JSON.stringify(summary)}`);
const directory = fileURLToPath(new URL("../../results/", import.meta.url));
await mkdir(directory, { recursive: true });
const file = `${directory}soak-${new Date().toISOString().replaceAll(":", "-")}.json`;
await writeFile(file, JSON.stringify({ machine: machineInfo(), summary, samples }, null, 2));
log(`results: ${file}`);
