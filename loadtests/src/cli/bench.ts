#!/usr/bin/env node
/**
 * pnpm bench  (turbo runs this package's `bench`)  |  node src/cli/bench.ts [--only http|kafka] [--smoke]
 *
 * One command for the published figures: the HTTP throughput harness (bare Express ceiling, predict hit
 * and miss, batch of 1000) and the Kafka pipeline (no-op consumer ceiling, 1 and 2 scoring workers).
 * Prints tables and writes results/bench-<time>.json. `--smoke` runs each for about a second on tiny
 * inputs: it proves the harness works, not how fast anything is.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runHttpThroughput, type ThroughputResult } from "../bench/http-throughput.ts";
import { type KafkaBenchResult, runKafkaPipeline } from "../bench/kafka-pipeline.ts";
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
    redis: { type: "boolean", default: false },
    postgres: { type: "boolean", default: false },
  },
});

export interface BenchOptions {
  smoke: boolean;
  only?: "http" | "kafka";
  seconds?: number;
  messages?: number;
  /** Gateway settings for the HTTP harness (REDIS_URL, DATABASE_URL); unset → embedded defaults. */
  gatewayEnv?: Record<string, string>;
}

export async function runBench(
  options: BenchOptions,
  log: (line: string) => void,
): Promise<{ http?: ThroughputResult; kafka?: KafkaBenchResult }> {
  const machine = machineInfo();
  log(
    `machine: ${machine.cores} cores ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}; load ${formatLoad(loadAverages())}`,
  );
  const results: { http?: ThroughputResult; kafka?: KafkaBenchResult } = {};
  if (options.only !== "kafka") {
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
  if (options.only !== "http") {
    log("\n== Kafka pipeline (publish, then drain; 6 partitions) ==");
    results.kafka = await runKafkaPipeline(
      {
        messages: options.messages ?? (options.smoke ? 2_000 : 500_000),
        partitions: 6,
        workerCounts: options.smoke ? [1] : [1, 2],
        brokers: (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(","),
        databaseUrl: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test",
        runTimeoutMs: options.smoke ? 120_000 : 1_800_000,
        // What configuration alone buys: 20x the default in-flight cap, 6 chunks at once (one per partition).
        ...(options.smoke
          ? {}
          : { tunedWorkerEnv: { KAFKA_MAX_QUEUE_SIZE: "20000", KAFKA_NUM_WORKER_THREADS: "6" } }),
      },
      log,
    );
  }
  return results;
}

if (import.meta.main) {
  const only = values.only === "http" || values.only === "kafka" ? values.only : undefined;
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

async function main(only: "http" | "kafka" | undefined, gatewayEnv: Record<string, string>) {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const results = await runBench(
    {
      smoke: values.smoke,
      ...(only ? { only } : {}),
      ...(values.seconds ? { seconds: Number(values.seconds) } : {}),
      ...(values.messages ? { messages: Number(values.messages) } : {}),
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
