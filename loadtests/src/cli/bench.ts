#!/usr/bin/env node
/**
 * pnpm bench  (turbo runs this package's `bench`)  |  node src/cli/bench.ts [--only <name>] [--smoke]
 *
 * One command for the published figures, ending with the performance issue's (#21) goals table, each row
 * with its ratio to the goal:
 * - `http`: the HTTP throughput harness (bare Express ceiling, predict hit and miss, batch of 1000) against
 *   the gateway's embedded default (in-process cache, PGlite on disk in a temporary directory);
 * - `http-services`: the same against the gateway on Redis + PostgreSQL (a scratch schema);
 * - `mix`: the realistic mix (autocannon) on Redis + PostgreSQL, paced at 1,500 req/s, then unpaced;
 * - `kafka`: the Kafka pipeline (no-op consumer ceiling, 1 and 2 scoring workers).
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
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type ContextCostResult, formatContextCost, runContextCost } from "../bench/context-cost.ts";
import { contextualStream } from "../bench/contextual-stream.ts";
import { formatGoals, GOALS, type GoalRow, goalRows } from "../bench/goals.ts";
import { runHttpThroughput, type ThroughputResult } from "../bench/http-throughput.ts";
import { type BenchTraffic, type KafkaBenchResult, runKafkaPipeline } from "../bench/kafka-pipeline.ts";
import { createMixTraffic, formatMix, type MixResult, runMix } from "../bench/mix.ts";
import { runStoreWrite, type StoreWriteResult } from "../bench/store-write.ts";
import { formatBytes, formatLoad, loadAverages, machineInfo } from "../machine.ts";
import { createScratchSchema } from "../processes/database.ts";
import { createApiKeys, startGateway } from "../processes/gateway.ts";
import { withApplicationName } from "../processes/postgres-backends.ts";
import { withServicesEnv } from "../processes/services-env.ts";

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

export const BENCH_NAMES = [
  "http",
  "http-services",
  "mix",
  "kafka",
  "context",
  "kafka-context",
  "store",
] as const;
/** What `pnpm bench` runs when no benchmark is named: every row of the goals table. */
const DEFAULT_BENCHES: readonly BenchName[] = ["http", "http-services", "mix", "kafka"];
export type BenchName = (typeof BENCH_NAMES)[number];

export interface BenchOptions {
  smoke: boolean;
  /** One benchmark; unset → the goals table's (http, http-services, mix, kafka; the others only when named). */
  only?: BenchName;
  seconds?: number;
  messages?: number;
  /** `context`: transactions of the contextual day per measurement (default: all of it). */
  transactions?: number;
  /** `context` and `kafka-context`: repetitions, interleaved. */
  rounds?: number;
  /** Kafka benchmarks: what is published (contextual by default; `uniform`: the first round's traffic). */
  traffic?: BenchTraffic;
  /** `store`: another checkout whose store is measured in turns with this one; http, http-services, mix: its
   * gateway, measured before this one's in the same run. */
  baseline?: string;
  /** Gateway settings for the HTTP harness (REDIS_URL, DATABASE_URL); unset → embedded defaults. */
  gatewayEnv?: Record<string, string>;
}

export interface BenchResults {
  http?: ThroughputResult;
  httpServices?: ThroughputResult;
  mix?: { paced: MixResult; unpaced: MixResult };
  goals?: GoalRow[];
  /** `--baseline`: the gateway benchmarks against the other checkout, measured first in the same run. */
  baseline?: Pick<BenchResults, "http" | "httpServices" | "mix">;
  kafka?: KafkaBenchResult;
  context?: ContextCostResult;
  kafkaContext?: KafkaBenchResult;
  store?: StoreWriteResult;
}

/** The mix gateway's PostgreSQL connections carry it, so their backends' CPU can be read. */
const MIX_APPLICATION_NAME = "chainwatch-bench-mix";
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
    options.only === undefined ? DEFAULT_BENCHES.includes(name) : options.only === name;
  const httpOptions = {
    durationSeconds: options.seconds ?? (options.smoke ? 1 : 10),
    warmupSeconds: options.smoke ? 0 : 3,
    connections: options.smoke ? 4 : 50,
    batchConnections: options.smoke ? 1 : 4,
    batchSize: options.smoke ? 100 : 1_000,
  };
  const reportHttp = (result: ThroughputResult) => {
    const { gzip } = result;
    if (gzip)
      log(
        `gzip on a ${result.options.batchSize}-item batch response: ${formatBytes(gzip.identityBytes)} (${gzip.identityBytes} B) → ${gzip.gzipBytes} B, ${(gzip.reduction * 100).toFixed(1)} % smaller`,
      );
    log(`write-behind records dropped (database behind): ${result.writeQueueDropped}`);
  };
  // With `--baseline <checkout>`, each gateway benchmark runs against that checkout's gateway first, then
  // this one's, so before and after share the machine's state (ratios printed at the end).
  const baselineMain = options.baseline ? join(options.baseline, "apps/api-gateway/src/main.ts") : undefined;
  const sides = (baselineMain ? [baselineMain, undefined] : [undefined]) as (string | undefined)[];
  const sideLabel = (main: string | undefined) =>
    main ? " [baseline]" : options.baseline ? " [this checkout]" : "";
  const embeddedHttp = async (main: string | undefined) => {
    log(
      `\n== HTTP throughput, embedded default${sideLabel(main)} (autocannon; 50 connections, 4 for batches) ==`,
    );
    // The default as a bare clone runs it: PGlite on disk (a temporary directory, removed afterwards).
    const dataDir = options.gatewayEnv ? undefined : await mkdtemp(join(tmpdir(), "chainwatch-bench-"));
    try {
      const result = await runHttpThroughput(
        {
          ...httpOptions,
          gatewayEnv: options.gatewayEnv ?? { PGLITE_DATA_DIR: dataDir ?? "" },
          ...(main ? { gatewayMain: main } : {}),
        },
        log,
      );
      reportHttp(result);
      return result;
    } finally {
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    }
  };
  const servicesHttp = async (main: string | undefined) => {
    log(
      `\n== HTTP throughput, Redis + PostgreSQL${sideLabel(main)} (autocannon; 50 connections, 4 for batches) ==`,
    );
    const result = await withServicesGateway((gatewayEnv) =>
      runHttpThroughput({ ...httpOptions, gatewayEnv, ...(main ? { gatewayMain: main } : {}) }, log),
    );
    reportHttp(result);
    return result;
  };
  let day: ReturnType<typeof contextualStream> | undefined;
  const mix = async (main: string | undefined) => {
    log(
      `\n== Realistic mix, Redis + PostgreSQL${sideLabel(main)} (autocannon: 50 % predict, 25 % batch of 10–100, 15 % anomaly queries, 10 % health) ==`,
    );
    return withServicesGateway(async (gatewayEnv) => {
      const gateway = await startGateway(
        {
          ...gatewayEnv,
          DATABASE_URL: withApplicationName(gatewayEnv.DATABASE_URL ?? "", MIX_APPLICATION_NAME),
        },
        main ? { main } : {},
      );
      try {
        const keys = await createApiKeys(gateway.url, gateway.adminKey, "mix");
        day ??= contextualStream(options.smoke ? 12_000 : 160_000);
        const traffic = createMixTraffic(day.transactions, randomBytes(4).toString("hex"));
        const base = {
          url: gateway.url,
          keys,
          traffic,
          redisUrl: redisUrl(),
          postgres: { connectionString: kafkaSettings().databaseUrl, applicationName: MIX_APPLICATION_NAME },
          serverPid: gateway.service.pid,
          connections: options.smoke ? 4 : 100,
        };
        const warmup = await warmPool(gateway.url, keys.scorer, traffic.warmupBodies(500));
        log(
          `pool of 10,000 contextual transactions scored first (${warmup.toFixed(1)} s); never-seen ones follow the day in time order (${day.transactions.length.toLocaleString("en-US")} generated in ${day.seconds.toFixed(1)} s)`,
        );
        const seconds = options.seconds ?? (options.smoke ? 1 : 30);
        if (!options.smoke) await runMix("warm-up", { ...base, durationSeconds: 5, rate: 500 });
        const rate = options.smoke ? 50 : GOALS.mixRequestsPerSecond;
        const paced = await runMix(`paced at ${rate} req/s`, { ...base, durationSeconds: seconds, rate });
        log(formatMix(paced));
        const unpaced = await runMix("unpaced", { ...base, durationSeconds: seconds, seed: 22 });
        log(formatMix(unpaced));
        log(`never-seen transactions sent: ${traffic.freshUsed().toLocaleString("en-US")}`);
        return { paced, unpaced };
      } finally {
        await gateway.stop();
      }
    });
  };
  if (baselineMain) results.baseline = {};
  for (const main of sides) {
    const target = (main ? results.baseline : results) ?? results;
    if (runs("http")) target.http = await embeddedHttp(main);
    if (runs("http-services")) target.httpServices = await servicesHttp(main);
    if (runs("mix")) target.mix = await mix(main);
  }
  if (results.baseline) {
    log(`\n== Before (${options.baseline}) → after (this checkout), same run ==`);
    log(formatComparison(results.baseline, results));
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
  if (options.only === undefined) {
    results.goals = goalRows({
      ...(results.http ? { httpEmbedded: results.http } : {}),
      ...(results.httpServices ? { httpServices: results.httpServices } : {}),
      ...(results.kafka ? { kafka: results.kafka } : {}),
      ...(results.mix ? { mix: results.mix } : {}),
    });
    log(`\n== Goals of the performance issue (#21); load now ${formatLoad(loadAverages())} ==`);
    log(formatGoals(results.goals));
  }
  return results;
}

/** Each gateway figure before → after with its ratio (rates: after / before; so > 1 is faster). */
function formatComparison(
  before: Pick<BenchResults, "http" | "httpServices" | "mix">,
  after: Pick<BenchResults, "http" | "httpServices" | "mix">,
): string {
  const lines: string[] = [];
  const int = (value: number) => Math.round(value).toLocaleString("en-US");
  const pair = (label: string, a: number | undefined, b: number | undefined, unit: string) => {
    if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b)) return;
    lines.push(
      `${label.padEnd(60)} ${int(a).padStart(9)} → ${int(b).padStart(9)} ${unit.padEnd(6)} ×${(b / a).toFixed(2)}`,
    );
  };
  for (const [stack, key] of [
    ["embedded", "http"],
    ["Redis + PostgreSQL", "httpServices"],
  ] as const) {
    for (const variant of after[key]?.variants ?? []) {
      const earlier = before[key]?.variants.find((candidate) => candidate.name === variant.name);
      pair(
        `${stack}: ${variant.name}`,
        earlier?.transactionsPerSecond,
        variant.transactionsPerSecond,
        "tx/s",
      );
      pair(
        `${stack}: ${variant.name}, server CPU per request`,
        earlier?.serverCpuUsPerRequest,
        variant.serverCpuUsPerRequest,
        "µs",
      );
    }
  }
  for (const kind of ["paced", "unpaced"] as const) {
    pair(
      `mix ${kind}: requests/s`,
      before.mix?.[kind].requestsPerSecond,
      after.mix?.[kind].requestsPerSecond,
      "req/s",
    );
    pair(`mix ${kind}: p95`, before.mix?.[kind].p95Ms, after.mix?.[kind].p95Ms, "ms");
    pair(
      `mix ${kind}: gateway share of a core`,
      (before.mix?.[kind].serverCoreShare ?? Number.NaN) * 100,
      (after.mix?.[kind].serverCoreShare ?? Number.NaN) * 100,
      "%",
    );
  }
  return lines.join("\n");
}

/** A gateway's settings on the local Redis and a scratch PostgreSQL schema, removed after `work`. */
const withServicesGateway = <T>(work: (gatewayEnv: Record<string, string>) => Promise<T>) =>
  withServicesEnv({ databaseUrl: kafkaSettings().databaseUrl, redisUrl: redisUrl() }, work);

/** Scores the mix's pool in batches, one request at a time; returns the seconds it took. */
async function warmPool(url: string, apiKey: string, bodies: readonly string[]): Promise<number> {
  const startedAt = performance.now();
  for (const body of bodies) {
    const response = await fetch(`${url}/api/v1/batch/predict`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": apiKey },
      body,
    });
    if (!response.ok)
      throw new Error(`warming the pool answered ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  }
  return (performance.now() - startedAt) / 1000;
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
