import { randomBytes } from "node:crypto";
import { createChainwatchClient } from "@chainwatch/client";
import { Redis } from "ioredis";
import { createApiKeys, startGateway } from "../processes/gateway.ts";
import { type AutoBaselineReport, autoBaselinePlan, ingestWithAutoBaseline } from "./auto-baseline-run.ts";
import type { ContextualTraffic } from "./contextual-traffic.ts";
import { type DetectionMetrics, detectionMetrics, type ScoredRow } from "./metrics.ts";

/**
 * embedded and redis serve the shipped model throughout (the auto-baseline policy off);
 * embedded+baseline lets the policy train, shadow and judge a model of this day with the default gates
 * (auto-baseline-run.ts).
 */
export const GATEWAY_VARIANTS = ["embedded", "redis", "embedded+baseline"] as const;
export type GatewayVariant = (typeof GATEWAY_VARIANTS)[number];

export interface GatewayRunOptions {
  variant: GatewayVariant;
  /** Transactions per ingest request, sent one after the other (the day in time order). */
  batchSize: number;
  /** For the redis variant. */
  redisUrl: string;
}

export interface GatewayRunResult {
  name: GatewayVariant;
  /** Which field ranked: riskScore (the combined detector) or anomalyScore (its absence: the stateless score). */
  scoreField: "riskScore" | "anomalyScore" | "mixed";
  /** Second-half transactions that had no riskScore and were ranked by anomalyScore. */
  anomalyScoreFallbacks: number;
  modelVersions: string[];
  /** Second-half transactions by the model version that served them. */
  secondHalfByModel: Record<string, number>;
  ingested: number;
  ingestSeconds: number;
  readBackSeconds: number;
  metrics: DetectionMetrics;
  /** redis variant: the run's REDIS_KEY_PREFIX, and how many keys under it were deleted afterwards. */
  redis?: { keyPrefix: string; keysDeleted: number };
  /** embedded+baseline: the policy's steps, decision and the model that served before and after. */
  autoBaseline?: AutoBaselineReport;
}

/** What the benchmark reads of a stored transaction; riskScore arrives with the contextual detector. */
export interface StoredPredictionFields {
  anomalyScore: number;
  isAnomaly: boolean;
  modelVersion: string;
  riskScore?: unknown;
  riskLevel?: string | null;
  reasons?: { code: string; message: string; suppressed?: boolean; data?: Record<string, unknown> }[];
}

const LOOKUP_MAX_HASHES = 1_000;

/**
 * Runs the day through a gateway started for it (embedded defaults: PGlite in memory; the redis variant
 * adds REDIS_URL and a key prefix of its own, deleted afterwards), then reads every transaction back and
 * scores the second half with the stored predictions.
 */
export async function runGatewayVariant(
  traffic: ContextualTraffic,
  options: GatewayRunOptions,
  log: (line: string) => void,
): Promise<GatewayRunResult> {
  // The policy off unless the variant is about it: the shipped model serves the whole day.
  const env: Record<string, string> = { AUTO_BASELINE_ENABLED: "false" };
  const plan = options.variant === "embedded+baseline" ? autoBaselinePlan(traffic) : undefined;
  if (plan) Object.assign(env, plan.env);
  let redis: Redis | undefined;
  let keyPrefix: string | undefined;
  if (options.variant === "redis") {
    redis = await connectRedis(options.redisUrl);
    // Unique per run: address state and cached predictions of another run must not leak into this one.
    keyPrefix = `cwbench_${randomBytes(4).toString("hex")}`;
    Object.assign(env, { REDIS_URL: options.redisUrl, REDIS_KEY_PREFIX: keyPrefix });
  }
  let result: GatewayRunResult;
  let cleanup: GatewayRunResult["redis"];
  try {
    const gateway = await startGateway(env, { name: `gateway-${options.variant}` });
    try {
      await expectCacheBackend(gateway.url, options.variant === "redis" ? "redis" : undefined);
      const keys = await createApiKeys(gateway.url, gateway.adminKey, `detection-${options.variant}`);
      const ingest = createIngest(gateway.url, keys.scorer, traffic, options, log);
      const autoBaseline = plan
        ? await ingestWithAutoBaseline(gateway, plan, traffic.transactions.length, ingest.range, log)
        : undefined;
      if (!plan) await ingest.range(0, traffic.transactions.length);
      const readStarted = performance.now();
      const stored = await readBack(gateway.url, keys.viewer, traffic, log);
      result = {
        name: options.variant,
        ...scoreSecondHalf(traffic, stored),
        ingested: ingest.accepted(),
        ingestSeconds: ingest.seconds(),
        readBackSeconds: (performance.now() - readStarted) / 1_000,
        ...(autoBaseline ? { autoBaseline } : {}),
      };
    } finally {
      await gateway.stop();
    }
  } finally {
    // Deleted whether the run succeeded or not; after the gateway stopped, so it writes nothing more.
    if (redis && keyPrefix) {
      cleanup = { keyPrefix, keysDeleted: await deleteKeys(redis, keyPrefix) };
      log(`  deleted ${cleanup.keysDeleted} Redis keys under ${keyPrefix}:`);
    }
    await redis?.quit();
  }
  return cleanup ? { ...result, redis: cleanup } : result;
}

/**
 * Sends the day in time order, `batchSize` per request, one request at a time; `range(from, to)` sends a
 * slice (the auto-baseline variant stops between slices). Time is counted while sending only.
 */
export function createIngest(
  url: string,
  apiKey: string,
  traffic: Pick<ContextualTraffic, "transactions">,
  options: Pick<GatewayRunOptions, "batchSize">,
  log: (line: string) => void,
) {
  const client = createChainwatchClient({ baseUrl: url, apiKey });
  const txs = traffic.transactions.map(({ tx }) => tx);
  const progressEvery = Math.max(
    options.batchSize,
    Math.ceil(txs.length / 10 / options.batchSize) * options.batchSize,
  );
  let accepted = 0;
  let sendingMs = 0;
  async function range(from: number, to: number): Promise<void> {
    const started = performance.now();
    for (let start = from; start < to; start += options.batchSize) {
      const transactions = txs.slice(start, Math.min(to, start + options.batchSize));
      const { data, error, response } = await client.POST("/api/v1/batch/transactions", {
        body: { transactions },
      });
      if (!data)
        throw new Error(
          `ingest of ${start}..${start + transactions.length} answered ${response.status}: ${JSON.stringify(error)}`,
        );
      if (data.rejected.length > 0 || data.accepted.length !== transactions.length) {
        throw new Error(
          `ingest of ${start}..: ${data.accepted.length} of ${transactions.length} accepted; first rejection ${JSON.stringify(data.rejected[0])}`,
        );
      }
      const before = accepted;
      accepted += data.accepted.length;
      if (
        Math.floor(before / progressEvery) < Math.floor(accepted / progressEvery) ||
        accepted === txs.length
      ) {
        const seconds = (sendingMs + performance.now() - started) / 1_000;
        log(
          `  ingested ${accepted.toLocaleString("en-US")} / ${txs.length.toLocaleString("en-US")} (${Math.round(accepted / seconds)} tx/s)`,
        );
      }
    }
    sendingMs += performance.now() - started;
  }
  return { range, accepted: () => accepted, seconds: () => sendingMs / 1_000 };
}

/** Every transaction of the day by hash; retries briefly for rows still on their way to the store. */
export async function readBack(
  url: string,
  apiKey: string,
  traffic: Pick<ContextualTraffic, "transactions">,
  log: (line: string) => void,
): Promise<Map<string, StoredPredictionFields | null>> {
  const client = createChainwatchClient({ baseUrl: url, apiKey });
  const found = new Map<string, StoredPredictionFields | null>();
  let missing = traffic.transactions.map(({ tx }) => tx.hash);
  for (let attempt = 0; missing.length > 0; attempt++) {
    if (attempt > 0) {
      if (attempt > 10) throw new Error(`${missing.length} transactions never came back, e.g. ${missing[0]}`);
      log(`  ${missing.length} not stored yet; asking again`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    for (let start = 0; start < missing.length; start += LOOKUP_MAX_HASHES) {
      const hashes = missing.slice(start, start + LOOKUP_MAX_HASHES);
      const { data, error, response } = await client.POST("/api/v1/batch/transactions/lookup", {
        body: { hashes },
      });
      if (!data) throw new Error(`lookup answered ${response.status}: ${JSON.stringify(error)}`);
      for (const stored of data.transactions) {
        found.set(stored.hash, stored.latestPrediction as StoredPredictionFields | null);
      }
    }
    missing = missing.filter((hash) => !found.has(hash));
  }
  log(`  read back ${found.size.toLocaleString("en-US")} transactions`);
  return found;
}

function scoreSecondHalf(
  traffic: ContextualTraffic,
  stored: Map<string, StoredPredictionFields | null>,
): Pick<
  GatewayRunResult,
  "scoreField" | "anomalyScoreFallbacks" | "modelVersions" | "secondHalfByModel" | "metrics"
> {
  let fallbacks = 0;
  const byModel: Record<string, number> = {};
  const rows: ScoredRow[] = [];
  for (const { tx, label } of traffic.transactions) {
    if (tx.timestamp < traffic.secondHalfTimestamp) continue;
    const prediction = stored.get(tx.hash);
    if (!prediction) throw new Error(`transaction ${tx.hash} was stored without a prediction`);
    byModel[prediction.modelVersion] = (byModel[prediction.modelVersion] ?? 0) + 1;
    const hasRisk = typeof prediction.riskScore === "number" && Number.isFinite(prediction.riskScore);
    if (!hasRisk) fallbacks++;
    rows.push({
      label,
      score: hasRisk ? (prediction.riskScore as number) : prediction.anomalyScore,
      isAnomaly: prediction.isAnomaly,
    });
  }
  return {
    scoreField: fallbacks === 0 ? "riskScore" : fallbacks === rows.length ? "anomalyScore" : "mixed",
    anomalyScoreFallbacks: fallbacks,
    modelVersions: Object.keys(byModel),
    secondHalfByModel: byModel,
    metrics: detectionMetrics(rows),
  };
}

/** The gateway says which cache it uses on /health: the redis variant must really be on Redis. */
async function expectCacheBackend(url: string, backend: "redis" | undefined): Promise<void> {
  if (!backend) return;
  const health = (await (await fetch(`${url}/health`)).json()) as {
    dependencies?: { cache?: { backend?: string; status?: string } };
  };
  const cache = health.dependencies?.cache;
  if (cache?.backend !== backend || cache.status !== "up") {
    throw new Error(`the gateway's cache is ${JSON.stringify(cache)}, not ${backend} and up`);
  }
}

async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: () => null,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `Redis at ${url} is not reachable (${(error as Error).message}); start it with 'bash deploy/local/services.sh up' or run --variant embedded`,
      { cause: error },
    );
  }
}

/** Removes this run's keys (address state, cached predictions, rate limits) so nothing is left behind. */
async function deleteKeys(redis: Redis, keyPrefix: string): Promise<number> {
  let cursor = "0";
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${keyPrefix}:*`, "COUNT", 1_000);
    if (keys.length > 0) deleted += await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== "0");
  return deleted;
}
