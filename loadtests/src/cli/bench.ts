#!/usr/bin/env node
/**
 * pnpm bench  (turbo runs this package's `bench`)  |  node src/cli/bench.ts [--only <name>] [--smoke]
 *
 * One command for the published figures: the HTTP throughput harness (bare Express ceiling, predict hit
 * and miss, batch of 1000) and the Kafka pipeline (no-op consumer ceiling, 1 and 2 scoring workers).
 * Prints tables and writes results/bench-<time>.json. `--smoke` runs each for about a second on tiny
 * inputs: it proves the harness works, not how fast anything is.
 *
 * Named only (issue #17, both need Redis at REDIS_URL, default redis://127.0.0.1:6379):
 * - `--only context`: address context's cost per transaction, scoring the contextual day in batches of 1,
 *   100 and 500 with no context, the in-process store and the Redis store (`--transactions N`, `--rounds N`);
 * - `--only store` (issue #21; PostgreSQL at DATABASE_URL): what `recordScored` costs PostgreSQL and the
 *   writer per stored transaction, server CPU read from the backend's /proc entry (`--transactions N`,
 *   `--rounds N`, `--baseline <checkout>`: another checkout's store in turns with this one);
 * - `--only kafka-context`: the Kafka pipeline with one worker, CONTEXT_ENABLED=false against the default
 *   (context on, Redis), in turns (`--messages N`, `--rounds N`; `--traffic contextual` (default: the
 *   contextual day, time-ordered, with timestamps) or `uniform` (the `kafka` benchmark's traffic)).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type ContextCostResult, formatContextCost, runContextCost } from "../bench/context-cost.ts";
import { runHttpThroughput, type ThroughputResult } from "../bench/http-throughput.ts";
import { type BenchTraffic, type KafkaBenchResult, runKafkaPipeline } from "../bench/kafka-pipeline.ts";
import { runStoreWrite, type StoreWriteResult } from "../bench/store-write.ts";
import { formatBytes, formatLoad, loadAverages, machineInfo } from "../machine.ts";

// `pnpm --filter … bench -- --only http` passes the "--" through; it separates nothing here.
const argv = process.argv.slice(2).filter((arg, index) => !(index === 0 && arg === "--"));
const { values } = parseArgs({
  args: argv,
  options: {
    only: { type: "string" },
    smoke: { type: "boolean", default: false },
    seconds: { type: "string" },
    messages: { type: "string" },
    transactions: { type: "string" },
    rounds: { type: "string" },
    traffic: { type: "string" },
    redis: { type: "boolean", default: false },
    postgres: { type: "boolean", default: false },
    baseline: { type: "string" },
  },
});

export const BENCH_NAMES = ["http", "kafka", "context", "kafka-context", "store"] as const;
export type BenchName = (typeof BENCH_NAMES)[number];

export interface BenchOptions {
  smoke: boolean;
  /** One benchmark; unset → http and kafka (the others run only when named). */
  only?: BenchName;
  seconds?: number;
  messages?: number;
  /** `context`: transactions of the contextual day per measurement (default: all of it). */
  transactions?: number;
  /** `context` and `kafka-context`: repetitions, interleaved. */
  rounds?: number;
  /** Kafka benchmarks: what is published (contextual by default; `uniform`: the first round's traffic). */
  traffic?: BenchTraffic;
  /** `store`: another checkout whose store is measured in turns with this one. */
  baseline?: string;
  /** Gateway settings for the HTTP harness (REDIS_URL, DATABASE_URL); unset → embedded defaults. */
  gatewayEnv?: Record<string, string>;
}

export interface BenchResults {
  http?: ThroughputResult;
  kafka?: KafkaBenchResult;
  context?: ContextCostResult;
  kafkaContext?: KafkaBenchResult;
  store?: StoreWriteResult;
}

const redisUrl = () => process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const kafkaSettings = () => ({
  brokers: (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(","),
  databaseUrl: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test",
});

export async function runBench(options: BenchOptions, log: (line: string) => void): Promise<BenchResults> {
  const machine = machineInfo();
  log(
    `machine: ${machine.cores} cores ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}; load ${formatLoad(loadAverages())}`,
  );
  const results: BenchResults = {};
  const runs = (name: BenchName) =>
    options.only === undefined ? name === "http" || name === "kafka" : options.only === name;
  if (runs("http")) {
    log("\n== HTTP throughput (autocannon; 50 connections, 4 for batches) ==");
    results.http = await runHttpThroughput(
      {
        durationSeconds: options.seconds ?? (options.smoke ? 1 : 10),
        warmupSeconds: options.smoke ? 0 : 3,
        connections: options.smoke ? 4 : 50,
        batchConnections: options.smoke ? 1 : 4,
        batchSize: options.smoke ? 100 : 1_000,
        ...(options.gatewayEnv ? { gatewayEnv: options.gatewayEnv } : {}),
      },
      log,
    );
    const { gzip } = results.http;
    if (gzip)
      log(
        `gzip on a ${results.http.options.batchSize}-item batch response: ${formatBytes(gzip.identityBytes)} (${gzip.identityBytes} B) → ${gzip.gzipBytes} B, ${(gzip.reduction * 100).toFixed(1)} % smaller`,
      );
    log(`write-behind records dropped (database behind): ${results.http.writeQueueDropped}`);
  }
  if (runs("kafka")) {
    log("\n== Kafka pipeline (publish, then drain; 6 partitions) ==");
    results.kafka = await runKafkaPipeline(
      {
        messages: options.messages ?? (options.smoke ? 2_000 : 500_000),
        partitions: 6,
        workerCounts: options.smoke ? [1] : [1, 2],
        // Contextual by default since issue #21: with the address context on (the worker's default), the
        // uniform traffic (5,000 senders, each about once a second) is an incident storm, ~90 % flagged and
        // ~6× the realistic cost per transaction (docs/benchmarks.md); `--traffic uniform` still measures it.
        traffic: options.traffic ?? "contextual",
        ...kafkaSettings(),
        runTimeoutMs: options.smoke ? 120_000 : 1_800_000,
        // What configuration alone buys: 20x the default in-flight cap, 6 chunks at once (one per partition).
        ...(options.smoke
          ? {}
          : { tunedWorkerEnv: { KAFKA_MAX_QUEUE_SIZE: "20000", KAFKA_NUM_WORKER_THREADS: "6" } }),
      },
      log,
    );
  }
  if (runs("context")) {
    log("\n== Address context: cost per transaction (scoring only, the contextual day in time order) ==");
    results.context = await runContextCost(
      {
        batchSizes: [1, 100, 500],
        rounds: options.rounds ?? (options.smoke ? 1 : 3),
        redisUrl: redisUrl(),
        ...(options.transactions !== undefined || options.smoke
          ? { transactions: options.transactions ?? 600 }
          : {}),
      },
      log,
    );
    log(formatContextCost(results.context));
  }
  if (runs("store")) {
    log("\n== PostgreSQL write path: recordScored per stored transaction ==");
    results.store = await runStoreWrite(
      {
        databaseUrl: kafkaSettings().databaseUrl,
        transactions: options.transactions ?? (options.smoke ? 2_000 : 30_000),
        batchSize: 1_000,
        rounds: options.rounds ?? (options.smoke ? 1 : 3),
        ...(options.baseline ? { baseline: options.baseline } : {}),
      },
      log,
    );
  }
  if (runs("kafka-context")) {
    log("\n== Kafka pipeline, one worker: address context off and on (Redis), in turns ==");
    const rounds = options.rounds ?? (options.smoke ? 1 : 2);
    const off: Record<string, string> = { CONTEXT_ENABLED: "false", REDIS_URL: redisUrl() };
    const on: Record<string, string> = { REDIS_URL: redisUrl() };
    const variants = Array.from({ length: rounds }, (_, round) => [
      {
        tag: `ctxoff${round + 1}`,
        label: `worker × 1, CONTEXT_ENABLED=false, Redis cache (${round + 1})`,
        env: off,
      },
      { tag: `ctxon${round + 1}`, label: `worker × 1, context on, Redis (default) (${round + 1})`, env: on },
    ]).flat();
    results.kafkaContext = await runKafkaPipeline(
      {
        messages: options.messages ?? (options.smoke ? 2_000 : 200_000),
        partitions: 6,
        workerCounts: [],
        traffic: options.traffic ?? "contextual",
        ...kafkaSettings(),
        runTimeoutMs: options.smoke ? 120_000 : 1_800_000,
        variants,
      },
      log,
    );
  }
  return results;
}

if (import.meta.main) {
  const only = BENCH_NAMES.find((name) => name === values.only);
  if (values.only !== undefined && only === undefined) {
    throw new Error(`--only ${values.only}: expected one of ${BENCH_NAMES.join(", ")}`);
  }
  const gatewayEnv = {
    ...(values.redis ? { REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" } : {}),
  };
  if (values.postgres) {
    const { createScratchSchema } = await import("../processes/database.ts");
    const scratch = await createScratchSchema(
      process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test",
    );
    Object.assign(gatewayEnv, { DATABASE_URL: scratch.databaseUrl });
    await main(only, gatewayEnv).finally(() => scratch.drop());
  } else {
    await main(only, gatewayEnv);
  }
}

async function main(only: BenchName | undefined, gatewayEnv: Record<string, string>) {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const results = await runBench(
    {
      smoke: values.smoke,
      ...(only ? { only } : {}),
      ...(values.seconds ? { seconds: Number(values.seconds) } : {}),
      ...(values.messages ? { messages: Number(values.messages) } : {}),
      ...(values.transactions ? { transactions: Number(values.transactions) } : {}),
      ...(values.rounds ? { rounds: Number(values.rounds) } : {}),
      ...(values.baseline ? { baseline: values.baseline } : {}),
      ...(values.traffic === "uniform" || values.traffic === "contextual" ? { traffic: values.traffic } : {}),
      ...(Object.keys(gatewayEnv).length > 0 ? { gatewayEnv } : {}),
    },
    log,
  );
  const directory = fileURLToPath(new URL("../../results/", import.meta.url));
  await mkdir(directory, { recursive: true });
  const file = `${directory}bench-${new Date().toISOString().replace(/[:.]/g, "-")}${values.smoke ? "-smoke" : ""}.json`;
  await writeFile(file, JSON.stringify(results, null, 2));
  log(`\nresults: ${file}`);
}
