import { createCache, createMemoryStore, createRedisStore, type RedisStore } from "@chainwatch/cache";
import {
  type AddressStateStore,
  createContextScorer,
  createMemoryStateStore,
  createRedisStateStore,
} from "@chainwatch/context";
import { loadDefaultModel, type NormalizedTransaction, normalizeTransaction } from "@chainwatch/model";
import { createScoringService, staticModelProvider } from "@chainwatch/scoring";
import { createLogger } from "@chainwatch/service-kit";
import { contextualTrafficOptions, generateContextualTraffic } from "../detection/contextual-traffic.ts";
import { formatLoad, loadAverages, type MachineInfo, machineInfo } from "../machine.ts";

/**
 * What address context costs per transaction (issue #17): the contextual benchmark's seeded day (realistic
 * senders, recipients and timestamps) scored through `createScoringService` in batches, with no context, with
 * the in-process store and with the Redis store, one after another in the same process and run. Scoring
 * only: transactions are normalised before the clock starts; no store write, no Kafka.
 */
export const CONTEXT_VARIANTS = ["none", "memory", "redis"] as const;
export type ContextVariant = (typeof CONTEXT_VARIANTS)[number];

export interface ContextCostOptions {
  batchSizes: readonly number[];
  /** Transactions per measurement: the first n of the day, in time order (default: the whole day). */
  transactions?: number;
  /** Each (batch size, variant) is measured this many times, interleaved; the median is reported. */
  rounds: number;
  redisUrl: string;
  /** The day's seed (default: the benchmark's, 17). */
  seed?: number;
}

export interface ContextCostRow {
  variant: ContextVariant;
  batchSize: number;
  transactions: number;
  /** Median over rounds of wall time per transaction, µs (Redis round trips included). */
  microsPerTransaction: number;
  /** Median over rounds of this variant's µs per transaction ÷ no context's in the same round. */
  ratioToNone: number;
  /** Median CPU of this process per transaction, µs (user + system). */
  cpuMicrosPerTransaction: number;
  /** Median CPU of the Redis server per transaction, µs (INFO cpu; the Redis variant only). */
  redisCpuMicrosPerTransaction?: number;
  /** The store's round trips per scored batch (Redis: 1; in-process: 0). */
  roundTripsPerBatch: number;
  /** Every round's µs per transaction, in order. */
  roundsMicros: number[];
}

export interface ContextCostResult {
  machine: MachineInfo;
  options: ContextCostOptions;
  traffic: { seed: number; transactions: number; senders: number };
  rows: ContextCostRow[];
  loadBefore: number[];
  loadAfter: number[];
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

async function redisCpuSeconds(redis: RedisStore): Promise<number> {
  const info = await redis.client.info("cpu");
  const field = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, "m").exec(info)?.[1] ?? 0);
  return field("used_cpu_user") + field("used_cpu_sys");
}

async function deletePrefix(redis: RedisStore, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.client.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 5_000);
    if (keys.length > 0) await redis.client.unlink(...keys);
    cursor = next;
  } while (cursor !== "0");
}

interface Measurement {
  micros: number;
  cpuMicros: number;
  redisCpuMicros?: number;
  roundTripsPerBatch: number;
}

export async function runContextCost(
  options: ContextCostOptions,
  log: (line: string) => void = () => {},
): Promise<ContextCostResult> {
  const loadBefore = loadAverages();
  const logger = createLogger({ name: "context-bench", level: "warn" });
  const trafficOptions = contextualTrafficOptions(
    "default",
    options.seed === undefined ? {} : { seed: options.seed },
  );
  const day = generateContextualTraffic(trafficOptions);
  const all: NormalizedTransaction[] = day.transactions.map(({ tx }) => normalizeTransaction(tx));
  const transactions = all.slice(0, options.transactions ?? all.length);
  const senders = new Set(transactions.map((tx) => tx.from)).size;
  log(
    `traffic: seed ${trafficOptions.seed}, ${transactions.length} transactions in time order, ${senders} senders; model ${loadDefaultModel().modelVersion}`,
  );
  const scorer = loadDefaultModel();
  const redis = createRedisStore({
    url: options.redisUrl,
    commandTimeoutMs: 10_000,
    connectionName: "chainwatch-context-bench",
  });
  if (!(await redis.waitUntilReady(5_000))) throw new Error(`redis not reachable at ${options.redisUrl}`);
  const runId = `ctxbench_${Date.now().toString(36)}`;
  let runs = 0;

  /** One pass over `list` in batches, on fresh stores (state, hash markers, prediction cache). */
  async function measure(variant: ContextVariant, batchSize: number, list: readonly NormalizedTransaction[]) {
    const prefix = `${runId}_${runs++}`;
    let store: AddressStateStore | undefined;
    if (variant === "memory") store = createMemoryStateStore();
    if (variant === "redis")
      store = createRedisStateStore({ redis, keyPrefix: prefix, ttlSeconds: 3_600, hashTtlSeconds: 3_600 });
    const scoring = createScoringService({
      models: staticModelProvider(scorer),
      // Every hash of the day is new: every transaction is a miss, computed, written back.
      cache: createCache({ store: createMemoryStore({ maxBytes: 512 * 2 ** 20 }), logger }),
      ...(store ? { context: createContextScorer({ store }) } : {}),
    });
    const redisCpuBefore = variant === "redis" ? await redisCpuSeconds(redis) : 0;
    const cpuBefore = process.cpuUsage();
    const startedAt = performance.now();
    let batches = 0;
    for (let start = 0; start < list.length; start += batchSize) {
      const outcome = await scoring.scoreBatch(list.slice(start, start + batchSize));
      await outcome.cacheWrite;
      batches++;
    }
    const elapsedMs = performance.now() - startedAt;
    const cpu = process.cpuUsage(cpuBefore);
    const measurement: Measurement = {
      micros: (elapsedMs * 1_000) / list.length,
      cpuMicros: (cpu.user + cpu.system) / list.length,
      roundTripsPerBatch: (store?.roundTrips() ?? 0) / batches,
    };
    if (variant === "redis") {
      measurement.redisCpuMicros = (((await redisCpuSeconds(redis)) - redisCpuBefore) * 1e6) / list.length;
      await deletePrefix(redis, prefix);
    }
    return measurement;
  }

  try {
    // Warm-up (JIT, the model's trees, Redis's script cache): a slice through every variant, not reported.
    for (const variant of CONTEXT_VARIANTS) await measure(variant, 100, transactions.slice(0, 3_000));
    const measured = new Map<string, Measurement[]>();
    const ratios = new Map<string, number[]>();
    const key = (variant: ContextVariant, batchSize: number) => `${variant}:${batchSize}`;
    for (let round = 0; round < options.rounds; round++) {
      for (const batchSize of options.batchSizes) {
        // Rotate the order per round, so no variant always runs first (or right after a GC-heavy one).
        const order = CONTEXT_VARIANTS.map(
          (_, index) => CONTEXT_VARIANTS[(index + round) % 3] as ContextVariant,
        );
        const thisRound = new Map<ContextVariant, Measurement>();
        for (const variant of order) {
          const result = await measure(variant, batchSize, transactions);
          thisRound.set(variant, result);
          measured.set(key(variant, batchSize), [...(measured.get(key(variant, batchSize)) ?? []), result]);
        }
        const none = thisRound.get("none")?.micros ?? Number.NaN;
        for (const [variant, result] of thisRound) {
          ratios.set(key(variant, batchSize), [
            ...(ratios.get(key(variant, batchSize)) ?? []),
            result.micros / none,
          ]);
        }
        log(
          `round ${round + 1}, batch ${batchSize}: ${order.map((variant) => `${variant} ${thisRound.get(variant)?.micros.toFixed(1)} µs/tx`).join(", ")}`,
        );
      }
    }
    const rows: ContextCostRow[] = [];
    for (const batchSize of options.batchSizes) {
      for (const variant of CONTEXT_VARIANTS) {
        const list = measured.get(key(variant, batchSize)) ?? [];
        const redisCpu = list.flatMap((m) => (m.redisCpuMicros === undefined ? [] : [m.redisCpuMicros]));
        rows.push({
          variant,
          batchSize,
          transactions: transactions.length,
          microsPerTransaction: median(list.map((m) => m.micros)),
          ratioToNone: median(ratios.get(key(variant, batchSize)) ?? []),
          cpuMicrosPerTransaction: median(list.map((m) => m.cpuMicros)),
          ...(redisCpu.length > 0 ? { redisCpuMicrosPerTransaction: median(redisCpu) } : {}),
          roundTripsPerBatch: median(list.map((m) => m.roundTripsPerBatch)),
          roundsMicros: list.map((m) => Math.round(m.micros * 10) / 10),
        });
      }
    }
    return {
      machine: machineInfo(),
      options,
      traffic: { seed: trafficOptions.seed, transactions: transactions.length, senders },
      rows,
      loadBefore,
      loadAfter: loadAverages(),
    };
  } finally {
    await deletePrefix(redis, runId);
    await redis.close();
  }
}

const VARIANT_NAMES: Record<ContextVariant, string> = {
  none: "(i) no context",
  memory: "(ii) in-process context",
  redis: "(iii) Redis context",
};

export function formatContextCost(result: ContextCostResult): string {
  const lines = [
    `load before ${formatLoad(result.loadBefore)}, after ${formatLoad(result.loadAfter)}; medians of ${result.options.rounds} rounds`,
    "| batch | variant | µs/tx (wall) | × (i) | CPU µs/tx (this process) | Redis CPU µs/tx | round trips/batch | rounds (µs/tx) |",
    "| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const row of result.rows) {
    lines.push(
      `| ${row.batchSize} | ${VARIANT_NAMES[row.variant]} | ${row.microsPerTransaction.toFixed(1)} | ${row.ratioToNone.toFixed(2)} | ${row.cpuMicrosPerTransaction.toFixed(1)} | ${row.redisCpuMicrosPerTransaction === undefined ? "" : row.redisCpuMicrosPerTransaction.toFixed(1)} | ${row.roundTripsPerBatch.toFixed(row.roundTripsPerBatch % 1 === 0 ? 0 : 2)} | ${row.roundsMicros.join(" / ")} |`,
    );
  }
  return lines.join("\n");
}
