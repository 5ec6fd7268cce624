import autocannon from "autocannon";
import { createZipfSampler, seededRandom } from "../data/transactions.ts";
import type { BenchTransaction } from "../detection/contextual-traffic.ts";
import { loadAverages } from "../machine.ts";
import { cpuTimeMs, procStatusBytes, sampleRss } from "../processes/child-service.ts";
import type { ApiKeys } from "../processes/gateway.ts";
import { sampleBackendCpu } from "../processes/postgres-backends.ts";
import { openRedisProbe } from "../processes/redis-probe.ts";
import { type LoadResult, percentile } from "./load.ts";

/**
 * The realistic mix of `scenarios/realistic.yml` (50 % predict, 25 % batch of 10–100, 15 % anomaly queries,
 * 10 % health; 80 % of transactions from a Zipf pool of 10,000, 20 % never seen) driven by autocannon
 * instead of artillery: artillery spent more CPU than the gateway it measured (its knee was its own).
 * One cycle of 40 requests per connection keeps the shares exact; bodies are drawn per request from a
 * seeded workload.
 *
 * The transactions are the contextual day's (realistic senders and amounts, ~1.5–3 % anomalous): the pool
 * is its first 10,000, scored before the measurement (a hot transaction is a cached one), and each never-seen
 * transaction is the day's next one, in time order. The artillery scenario's synthetic transactions are
 * nearly all flagged by the address context (every one from a never-seen sender with an unusual amount), so
 * every stored row also wrote an anomaly: a workload no deployment sees.
 */
export const MIX_CYCLE = [
  ...Array.from({ length: 20 }, () => "predict" as const),
  ...Array.from({ length: 10 }, () => "batch" as const),
  ...Array.from({ length: 3 }, () => "anomalies newest" as const),
  ...Array.from({ length: 2 }, () => "anomalies by severity" as const),
  "anomaly stats" as const,
  ...Array.from({ length: 4 }, () => "health" as const),
];
export type MixKind = (typeof MIX_CYCLE)[number];

/** What a mix run sends: the pool and the stream of never-seen transactions, shared by consecutive runs. */
export interface MixTraffic {
  /** The pool in batches, to score before measuring. */
  warmupBodies(batchSize: number): string[];
  next(): BenchTransaction;
  /** Never-seen transactions handed out so far. */
  freshUsed(): number;
}

const REPEAT_SHARE = 0.8;
const POOL_SIZE = 10_000;

/**
 * `salt` (8 hex digits) replaces the start of every hash, so the same day sent to two gateways sharing one
 * Redis (a baseline and this checkout) is never-seen for both; past the end of the day, the stream starts
 * again with another salt.
 */
export function createMixTraffic(day: readonly BenchTransaction[], salt: string, seed = 21): MixTraffic {
  if (day.length <= POOL_SIZE) throw new RangeError(`the mix needs more than ${POOL_SIZE} transactions`);
  const random = seededRandom(seed);
  const sample = createZipfSampler(POOL_SIZE, 1);
  const salted = (tx: BenchTransaction, prefix: string): BenchTransaction => ({
    ...tx,
    hash: `0x${prefix}${tx.hash.slice(10)}`,
  });
  const pool = day.slice(0, POOL_SIZE).map((tx) => salted(tx, salt));
  let fresh = 0;
  return {
    warmupBodies: (batchSize) =>
      Array.from({ length: Math.ceil(pool.length / batchSize) }, (_, index) =>
        JSON.stringify({ transactions: pool.slice(index * batchSize, (index + 1) * batchSize) }),
      ),
    next() {
      if (random() < REPEAT_SHARE) return pool[sample(random)] as BenchTransaction;
      const span = day.length - POOL_SIZE;
      const lap = Math.floor(fresh / span);
      const tx = day[POOL_SIZE + (fresh % span)] as BenchTransaction;
      fresh += 1;
      return salted(tx, lap === 0 ? salt : (Number.parseInt(salt, 16) ^ lap).toString(16).padStart(8, "0"));
    },
    freshUsed: () => fresh,
  };
}

export interface MixOptions {
  url: string;
  traffic: MixTraffic;
  keys: ApiKeys;
  /** Server process to sample (CPU, RSS). */
  serverPid: number;
  durationSeconds: number;
  connections: number;
  /** Requests per second offered in all (autocannon `overallRate`); unset → as fast as the server answers. */
  rate?: number;
  /** The Redis the gateway uses: its server CPU over the run (INFO cpu; a shared server counts everyone). */
  redisUrl?: string;
  /** The gateway's PostgreSQL connections (their application_name): their backends' CPU over the run. */
  postgres?: { connectionString: string; applicationName: string };
  seed?: number;
}

export interface MixResult
  extends Pick<
    LoadResult,
    "requests" | "requestsPerSecond" | "p50Ms" | "p95Ms" | "p99Ms" | "maxMs" | "non2xx" | "errors"
  > {
  name: string;
  offeredRate?: number;
  /** autocannon's p99 corrected for coordinated omission (paced runs: what a request sent on schedule saw). */
  correctedP99Ms: number;
  /** Transactions scored per second (single + batch items). */
  transactionsPerSecond: number;
  /** Share of one core the load generator (this process) used: well below 1 means it was not the bottleneck. */
  generatorCoreShare: number;
  serverCoreShare?: number;
  redisCoreShare?: number;
  postgresCoreShare?: number;
  serverPeakRssBytes?: number;
  serverEndRssBytes?: number;
  load: number[];
}

const BATCH_MIN = 10;
const BATCH_MAX = 100;

export async function runMix(name: string, options: MixOptions): Promise<MixResult> {
  const random = seededRandom(options.seed ?? 21);
  const { traffic } = options;
  let transactions = 0;
  const scorer = { "content-type": "application/json", "x-api-key": options.keys.scorer };
  const viewer = { "x-api-key": options.keys.viewer };
  const requestFor = (kind: MixKind): autocannon.Request => {
    switch (kind) {
      case "predict":
        return {
          method: "POST",
          path: "/api/v1/predict",
          headers: scorer,
          setupRequest: (request) => {
            transactions += 1;
            return { ...request, body: JSON.stringify(traffic.next()) };
          },
        };
      case "batch":
        return {
          method: "POST",
          path: "/api/v1/batch/predict",
          headers: scorer,
          setupRequest: (request) => {
            const size = BATCH_MIN + Math.floor(random() * (BATCH_MAX - BATCH_MIN + 1));
            transactions += size;
            return {
              ...request,
              body: JSON.stringify({ transactions: Array.from({ length: size }, traffic.next) }),
            };
          },
        };
      case "anomalies newest":
        return { method: "GET", path: "/api/v1/anomalies?limit=20", headers: viewer };
      case "anomalies by severity":
        return { method: "GET", path: "/api/v1/anomalies?limit=50&severity=high", headers: viewer };
      case "anomaly stats":
        return { method: "GET", path: "/api/v1/anomalies/stats", headers: viewer };
      case "health":
        return { method: "GET", path: "/health" };
    }
  };
  const cycle = MIX_CYCLE.map(requestFor);
  const latencies: number[] = [];
  const rss = sampleRss(options.serverPid);
  const loadBefore = loadAverages();
  const serverCpuBefore = cpuTimeMs(options.serverPid);
  const redis = options.redisUrl ? await openRedisProbe(options.redisUrl) : undefined;
  const redisCpuBefore = await redis?.cpuSeconds();
  const postgres = options.postgres
    ? sampleBackendCpu(options.postgres.connectionString, options.postgres.applicationName, 200, "now")
    : undefined;
  const selfCpuBefore = process.cpuUsage();
  const started = performance.now();
  const instance = autocannon({
    url: options.url,
    duration: options.durationSeconds,
    connections: options.connections,
    timeout: 30,
    requests: cycle,
    ...(options.rate === undefined ? {} : { overallRate: options.rate }),
  }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  instance.on("response", (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    latencies.push(responseTime);
  });
  const result = await instance;
  const wallSeconds = (performance.now() - started) / 1000;
  const selfCpu = process.cpuUsage(selfCpuBefore);
  const serverCpuAfter = cpuTimeMs(options.serverPid);
  const redisCpuAfter = await redis?.cpuSeconds();
  await redis?.close();
  const postgresCpuMs = await postgres?.stop();
  const serverPeakRssBytes = rss.stop();
  const serverEndRssBytes = procStatusBytes(options.serverPid, "VmRSS");
  const sorted = Float64Array.from(latencies).sort();
  const seconds = result.duration;
  return {
    name,
    ...(options.rate === undefined ? {} : { offeredRate: options.rate }),
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / seconds,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? Number.NaN,
    correctedP99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    transactionsPerSecond: transactions / seconds,
    generatorCoreShare: (selfCpu.user + selfCpu.system) / 1e6 / wallSeconds,
    ...(serverCpuBefore !== undefined && serverCpuAfter !== undefined
      ? { serverCoreShare: (serverCpuAfter - serverCpuBefore) / 1000 / wallSeconds }
      : {}),
    ...(redisCpuBefore !== undefined && redisCpuAfter !== undefined
      ? { redisCoreShare: (redisCpuAfter - redisCpuBefore) / wallSeconds }
      : {}),
    ...(postgresCpuMs === undefined ? {} : { postgresCoreShare: postgresCpuMs / 1000 / wallSeconds }),
    ...(serverPeakRssBytes === undefined ? {} : { serverPeakRssBytes }),
    ...(serverEndRssBytes === undefined ? {} : { serverEndRssBytes }),
    load: loadBefore,
  };
}

const int = (value: number) => Math.round(value).toLocaleString("en-US");
const percent = (share: number | undefined) => (share === undefined ? "?" : (share * 100).toFixed(0));
const mib = (bytes: number | undefined) => (bytes === undefined ? "?" : `${Math.round(bytes / 2 ** 20)}`);

export function formatMix(r: MixResult): string {
  return [
    r.name.padEnd(34),
    `${r.offeredRate === undefined ? "unpaced" : `offered ${int(r.offeredRate)}`} → ${int(r.requestsPerSecond)} req/s`,
    `${int(r.transactionsPerSecond)} tx/s`,
    `p50 ${r.p50Ms.toFixed(1)} / p95 ${r.p95Ms.toFixed(1)} / p99 ${r.p99Ms.toFixed(1)} ms`,
    `non-2xx ${r.non2xx}, errors ${r.errors}`,
    `CPU, % of a core: generator ${percent(r.generatorCoreShare)}, gateway ${percent(r.serverCoreShare)}, Redis ${percent(r.redisCoreShare)}, PostgreSQL ${percent(r.postgresCoreShare)}`,
    `RSS peak ${mib(r.serverPeakRssBytes)} / end ${mib(r.serverEndRssBytes)} MiB`,
    `load ${r.load.join("/")}`,
  ].join(" | ");
}
