import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  createKafkaClient,
  createPublisher,
  createStreamAdmin,
  encodeMessage,
  inputMessageKey,
  MESSAGE_SCHEMA_VERSION,
  type OutgoingMessage,
  type StreamAdmin,
} from "@chainwatch/kafka";
import { createLogger } from "@chainwatch/service-kit";
import { createPostgresDatabase } from "@chainwatch/store";
import { transactionFor } from "../data/transactions.ts";
import { loadAverages, type MachineInfo, machineInfo } from "../machine.ts";
import { type ChildService, cpuTimeMs, sampleRss, spawnNode } from "../processes/child-service.ts";
import { sampleBackendCpu, withApplicationName } from "../processes/postgres-backends.ts";
import { openRedisProbe } from "../processes/redis-probe.ts";
import { contextualStream } from "./contextual-stream.ts";

const require = createRequire(import.meta.url);
export const workerMain = join(
  dirname(require.resolve("@chainwatch/scoring-worker/package.json")),
  "src/main.ts",
);
const NOOP_CONSUMER = fileURLToPath(new URL("./noop-consumer.ts", import.meta.url));

export interface KafkaBenchOptions {
  messages: number;
  partitions: number;
  /** Worker counts to measure, one run each (e.g. [1, 2]). */
  workerCounts: number[];
  brokers: string[];
  databaseUrl: string;
  /** Give up on a run after this long. */
  runTimeoutMs: number;
  /** Extra worker settings for every run (e.g. KAFKA_MAX_QUEUE_SIZE), and Node flags (e.g. --cpu-prof). */
  workerEnv?: Record<string, string>;
  workerNodeArgs?: string[];
  /** Also run one worker with these settings on top (named "tuned"), to show what configuration buys. */
  tunedWorkerEnv?: Record<string, string>;
  /**
   * More runs after those, each with its own settings (e.g. CONTEXT_ENABLED=false against the default, in
   * turns). A variant with REDIS_URL gets a REDIS_KEY_PREFIX of its own, the Redis server's CPU over the run
   * is reported, and its keys are deleted afterwards.
   */
  variants?: {
    tag: string;
    label: string;
    workers?: number;
    env: Record<string, string>;
    /** Another checkout's worker entry point (a baseline in the same run), and Node flags of this run. */
    main?: string;
    nodeArgs?: string[];
  }[];
  /** What is published (default `uniform`, the figures published so far). */
  traffic?: BenchTraffic;
}

export interface PipelineRun {
  name: string;
  workers: number;
  /** Messages per second from the first committed progress to the last message committed. */
  transactionsPerSecond: number;
  /** Seconds from process start to everything committed (start-up and group join included). */
  wallSeconds: number;
  /** Seconds of steady consumption (first progress → done), the rate's denominator. */
  activeSeconds: number;
  ratioToCeiling?: number;
  /** Largest total lag sampled after the first progress (the backlog, then how it drained). */
  maxLag: number;
  /** Peak RSS per process during the run. */
  peakRssBytes: number[];
  /** CPU seconds the worker processes used, total (start-up included). */
  cpuSeconds?: number;
  /** cpuSeconds per published message, µs. */
  cpuMicrosPerTransaction?: number;
  /** Messages on the scores topic afterwards (≥ messages: at-least-once). */
  scoresPublished?: number;
  /** Messages on the anomalies topic afterwards (the combined verdict's anomalies). */
  anomaliesPublished?: number;
  /** CPU seconds of the PostgreSQL backends serving the workers over the run (their own application_name). */
  postgresCpuSeconds?: number;
  /** postgresCpuSeconds per published message, µs. */
  postgresMicrosPerTransaction?: number;
  /** CPU seconds the Redis server used during the run (variants with REDIS_URL; shared Redis: other users count). */
  redisCpuSeconds?: number;
  load: number[];
}

export interface KafkaBenchResult {
  machine: MachineInfo;
  options: Omit<KafkaBenchOptions, "databaseUrl">;
  publish: { messages: number; seconds: number; messagesPerSecond: number; bytes: number };
  runs: PipelineRun[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The group's total lag. Retriable broker errors are waited out: right after the broker starts, the group
 * coordinator answers GROUP_LOAD_IN_PROGRESS for a few seconds, which used to abort the whole bench.
 */
async function totalLag(admin: StreamAdmin, groupId: string, topic: string): Promise<bigint> {
  for (let attempt = 1; ; attempt++) {
    try {
      const lags = await admin.groupLag(groupId, topic);
      return lags.reduce((sum, partition) => sum + partition.lag, 0n);
    } catch (error) {
      if (attempt >= 40 || (error as { retriable?: unknown }).retriable !== true) throw error;
      await sleep(250);
    }
  }
}

/**
 * Publishes `messages` transactions, then drains them with a no-op consumer (the client's ceiling) and
 * with 1..n scoring workers, each as its own consumer group on the same input topic, one run after
 * another. Topics, groups and schemas are unique to the run and removed afterwards.
 */
export async function runKafkaPipeline(
  options: KafkaBenchOptions,
  log: (line: string) => void = () => {},
): Promise<KafkaBenchResult> {
  const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const logger = createLogger({ name: "kafka-bench", level: "warn" });
  const kafka = createKafkaClient({ brokers: options.brokers, clientId: "chainwatch-bench", logger });
  const admin = createStreamAdmin({ kafka, logger });
  const input = `chainwatch.bench.${runId}.transactions.v1`;
  const createdTopics = [input];
  const schemas: string[] = [];
  try {
    await admin.ensureTopics([{ topic: input, numPartitions: options.partitions }]);
    const publish = await publishTransactions(
      kafka,
      logger,
      input,
      options.messages,
      options.traffic ?? "uniform",
      log,
    );
    const runs: PipelineRun[] = [];

    // Ceiling: consume and commit only.
    {
      const groupId = `bench-${runId}-noop`;
      const loadBefore = loadAverages();
      const service = spawnNode("noop-consumer", NOOP_CONSUMER, {
        KAFKA_BROKERS: options.brokers.join(","),
        BENCH_TOPIC: input,
        BENCH_GROUP: groupId,
        BENCH_EXPECTED: String(options.messages),
      });
      const run = await drain({
        name: "consume only (no-op, commits)",
        services: [service],
        admin,
        groupId,
        topic: input,
        timeoutMs: options.runTimeoutMs,
      });
      runs.push({ ...run, workers: 1, load: loadBefore });
      log(formatRun(runs.at(-1) as PipelineRun));
    }

    const plans: {
      workers: number;
      tag: string;
      env: Record<string, string>;
      label?: string;
      main?: string;
      nodeArgs?: string[];
    }[] = options.workerCounts.map((workers) => ({ workers, tag: `w${workers}`, env: {} }));
    if (options.tunedWorkerEnv) plans.push({ workers: 1, tag: "tuned", env: options.tunedWorkerEnv });
    for (const variant of options.variants ?? []) {
      const redisUrl = variant.env.REDIS_URL;
      plans.push({
        workers: variant.workers ?? 1,
        tag: variant.tag,
        label: variant.label,
        ...(variant.main ? { main: variant.main } : {}),
        ...(variant.nodeArgs ? { nodeArgs: variant.nodeArgs } : {}),
        env: redisUrl
          ? { REDIS_ENABLED: "true", REDIS_KEY_PREFIX: `bench_${runId}_${variant.tag}`, ...variant.env }
          : variant.env,
      });
    }
    for (const { workers, tag, env, label, main, nodeArgs } of plans) {
      const groupId = `bench-${runId}-${tag}`;
      const schema = `bench_${runId}_${tag}`;
      schemas.push(schema);
      const topics = {
        KAFKA_TOPIC_TRANSACTIONS: input,
        KAFKA_TOPIC_SCORES: `chainwatch.bench.${runId}.${tag}.scores.v1`,
        KAFKA_TOPIC_ANOMALIES: `chainwatch.bench.${runId}.${tag}.anomalies.v1`,
        KAFKA_TOPIC_DLQ: `chainwatch.bench.${runId}.${tag}.dlq.v1`,
      };
      createdTopics.push(topics.KAFKA_TOPIC_SCORES, topics.KAFKA_TOPIC_ANOMALIES, topics.KAFKA_TOPIC_DLQ);
      // Output topics up front, so concurrent workers do not race to create them.
      await admin.ensureTopics(
        [topics.KAFKA_TOPIC_SCORES, topics.KAFKA_TOPIC_ANOMALIES, topics.KAFKA_TOPIC_DLQ].map((topic) => ({
          topic,
          numPartitions: options.partitions,
        })),
      );
      const loadBefore = loadAverages();
      const applicationName = `bench-${runId}-${tag}`;
      const backendCpu = sampleBackendCpu(options.databaseUrl, applicationName);
      const services = Array.from({ length: workers }, (_, index) =>
        spawnNode(
          `scoring-worker-${index + 1}`,
          main ?? workerMain,
          {
            LOG_LEVEL: "warn",
            HEALTH_PORT: "0",
            HEALTH_HOST: "127.0.0.1",
            KAFKA_BROKERS: options.brokers.join(","),
            KAFKA_GROUP_ID: groupId,
            KAFKA_TOPIC_PARTITIONS: String(options.partitions),
            ...topics,
            DATABASE_URL: withApplicationName(options.databaseUrl, applicationName),
            DATABASE_SCHEMA: schema,
            REDIS_URL: undefined,
            REDIS_ENABLED: "false",
            ...options.workerEnv,
            ...env,
          },
          [...(options.workerNodeArgs ?? []), ...(nodeArgs ?? [])],
        ),
      );
      const settings = Object.entries(env)
        .map(([key, value]) => `${key}=${value}`)
        .join(" ");
      const redis = env.REDIS_URL ? await openRedisProbe(env.REDIS_URL) : undefined;
      const redisCpuBefore = redis ? await redis.cpuSeconds() : 0;
      let run: Omit<PipelineRun, "workers" | "load">;
      let redisCpuSeconds: number | undefined;
      let postgresCpuSeconds: number | undefined;
      try {
        run = await drain({
          name: label ?? `scoring worker × ${workers}${settings ? ` (${settings})` : ""}`,
          services,
          admin,
          groupId,
          topic: input,
          timeoutMs: options.runTimeoutMs,
        });
        if (redis) redisCpuSeconds = (await redis.cpuSeconds()) - redisCpuBefore;
        postgresCpuSeconds = (await backendCpu.stop()) / 1000;
      } finally {
        await backendCpu.stop();
        if (redis && env.REDIS_KEY_PREFIX) await redis.deletePrefix(env.REDIS_KEY_PREFIX);
        await redis?.close();
      }
      const scores = await admin.topicOffsets(topics.KAFKA_TOPIC_SCORES);
      const anomalies = await admin.topicOffsets(topics.KAFKA_TOPIC_ANOMALIES);
      const ceiling = runs[0]?.transactionsPerSecond;
      runs.push({
        ...run,
        workers,
        ...(ceiling ? { ratioToCeiling: run.transactionsPerSecond / ceiling } : {}),
        scoresPublished: Number(scores.reduce((sum, partition) => sum + partition.high, 0n)),
        anomaliesPublished: Number(anomalies.reduce((sum, partition) => sum + partition.high, 0n)),
        ...(run.cpuSeconds === undefined
          ? {}
          : { cpuMicrosPerTransaction: (run.cpuSeconds * 1e6) / options.messages }),
        ...(redisCpuSeconds === undefined ? {} : { redisCpuSeconds }),
        ...(postgresCpuSeconds === undefined
          ? {}
          : {
              postgresCpuSeconds,
              postgresMicrosPerTransaction: (postgresCpuSeconds * 1e6) / options.messages,
            }),
        load: loadBefore,
      });
      log(formatRun(runs.at(-1) as PipelineRun));
    }
    const { databaseUrl: _databaseUrl, ...shown } = options;
    return { machine: machineInfo(), options: shown, publish, runs };
  } finally {
    await admin.deleteTopics(createdTopics).catch(() => {});
    await admin.close();
    if (schemas.length > 0) {
      const database = await createPostgresDatabase({
        connectionString: options.databaseUrl,
        maxConnections: 1,
      });
      try {
        for (const schema of schemas) await database.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await database.close();
      }
    }
  }
}

/**
 * The transactions to publish, in order. `uniform`: fields derived from a fresh hash each (5,000 senders and
 * recipients drawn uniformly, no timestamps: the address context sees them at scoring time, every sender
 * sending about once a second). `contextual`: the contextual benchmark's seeded traffic in time order, with
 * block timestamps (realistic senders, rates and amounts; scaled up with its address count to the size).
 */
export type BenchTraffic = "uniform" | "contextual";

function transactionSource(traffic: BenchTraffic, count: number, log: (line: string) => void) {
  if (traffic === "uniform") {
    return (index: number): Record<string, unknown> => {
      // Every hash is new: nothing is cached, every transaction is scored and stored.
      const hash = `0x${(0x8000000000000000n + BigInt(index)).toString(16)}${"0".repeat(40)}${Math.floor(
        Math.random() * 0xffffffff,
      )
        .toString(16)
        .padStart(8, "0")}`;
      return { ...transactionFor(hash) };
    };
  }
  const stream = contextualStream(count);
  log(
    `contextual traffic: ${stream.transactions.length} generated in ${stream.seconds.toFixed(1)} s, published in time order`,
  );
  return (index: number): Record<string, unknown> => ({ ...(stream.transactions[index] ?? {}) });
}

async function publishTransactions(
  kafka: ReturnType<typeof createKafkaClient>,
  logger: ReturnType<typeof createLogger>,
  topic: string,
  count: number,
  traffic: BenchTraffic,
  log: (line: string) => void,
) {
  const publisher = createPublisher({ kafka, logger, timeoutMs: 60_000 });
  const batchSize = 2_000;
  // Uniform traffic has no order to keep; contextual traffic is published in order (one lane), so each
  // sender's transactions reach its partition in time order.
  const inFlight = traffic === "uniform" ? 4 : 1;
  const transactionAt = transactionSource(traffic, count, log);
  const publishedAt = new Date().toISOString();
  let bytes = 0;
  const startedAt = performance.now();
  try {
    await publisher.connect();
    let next = 0;
    const lane = async () => {
      while (next < count) {
        const from = next;
        next = Math.min(count, next + batchSize);
        const messages: OutgoingMessage[] = [];
        for (let index = from; index < next; index++) {
          const transaction = transactionAt(index);
          const value = encodeMessage({
            schemaVersion: MESSAGE_SCHEMA_VERSION,
            transaction,
            source: "bench",
            publishedAt,
          });
          bytes += value.length;
          // Keyed by sender, as every producer keys the input topic.
          messages.push({
            key: inputMessageKey({
              hash: String(transaction.hash),
              from: typeof transaction.from === "string" ? transaction.from : null,
            }),
            value,
          });
        }
        await publisher.publish([{ topic, messages }]);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
  } finally {
    await publisher.close();
  }
  const seconds = (performance.now() - startedAt) / 1000;
  const result = { messages: count, seconds, messagesPerSecond: count / seconds, bytes };
  log(
    `published ${count} messages (${Math.round(bytes / 2 ** 20)} MiB) in ${seconds.toFixed(1)} s = ${Math.round(result.messagesPerSecond)} msg/s`,
  );
  return result;
}

async function drain(args: {
  name: string;
  services: ChildService[];
  admin: StreamAdmin;
  groupId: string;
  topic: string;
  timeoutMs: number;
}): Promise<Omit<PipelineRun, "workers" | "load">> {
  const { services, admin } = args;
  const startedAt = performance.now();
  const samplers = services.map((service) => sampleRss(service.pid));
  let firstProgressAt: number | undefined;
  let maxLag = 0n;
  let backlog: bigint | undefined;
  let cpuAtEnd: number | undefined;
  try {
    while (performance.now() - startedAt < args.timeoutMs) {
      // The no-op consumer times itself (it can finish between two polls) and exits when done.
      const own = /noop consumed (\d+) in (\d+) ms \((\d+) ms/.exec(services[0]?.output() ?? "");
      if (own) {
        const [, consumed = "0", activeMs = "0", wallMs = "0"] = own;
        const rss = samplers.map((sampler) => sampler.stop() ?? 0);
        await services[0]?.exited;
        return {
          name: args.name,
          transactionsPerSecond: Number(consumed) / (Number(activeMs) / 1000),
          wallSeconds: Number(wallMs) / 1000,
          activeSeconds: Number(activeMs) / 1000,
          maxLag: Number(backlog ?? BigInt(consumed)),
          peakRssBytes: rss,
        };
      }
      for (const service of services) {
        if (!service.isRunning())
          throw new Error(`${service.name} exited during ${args.name}:\n${service.output().slice(-3_000)}`);
      }
      const lag = await totalLag(admin, args.groupId, args.topic);
      backlog ??= lag;
      if (firstProgressAt === undefined && lag < backlog) firstProgressAt = performance.now();
      if (firstProgressAt !== undefined && lag > maxLag) maxLag = lag;
      if (lag === 0n && firstProgressAt !== undefined) break;
      await sleep(200);
    }
    const doneAt = performance.now();
    cpuAtEnd = services.reduce((sum, service) => sum + (cpuTimeMs(service.pid) ?? 0), 0);
    if (firstProgressAt === undefined || (await totalLag(admin, args.groupId, args.topic)) > 0n)
      throw new Error(
        `${args.name} did not finish within ${args.timeoutMs} ms; last output:\n${services.map((service) => service.output().slice(-2_000)).join("\n")}`,
      );
    // Progress shows at the first commit, i.e. after the first chunk; count the backlog over that window.
    const activeSeconds = (doneAt - firstProgressAt) / 1000;
    return {
      name: args.name,
      transactionsPerSecond: Number(maxLag > 0n ? maxLag : (backlog ?? 0n)) / Math.max(activeSeconds, 0.001),
      wallSeconds: (doneAt - startedAt) / 1000,
      activeSeconds,
      maxLag: Number(maxLag),
      peakRssBytes: samplers.map((sampler) => sampler.stop() ?? 0),
      cpuSeconds: (cpuAtEnd ?? 0) / 1000,
    };
  } finally {
    // Workers drain in-flight work on SIGTERM (KAFKA_DRAIN_TIMEOUT_MS, 15 s by default) before exiting.
    await Promise.all(services.map((service) => service.stop(30_000)));
  }
}

export function formatRun(run: PipelineRun): string {
  return [
    run.name.padEnd(32),
    `${Math.round(run.transactionsPerSecond).toLocaleString("en-US").padStart(8)} tx/s`,
    run.ratioToCeiling === undefined ? "ceiling" : `${(run.ratioToCeiling * 100).toFixed(0)} % of ceiling`,
    `active ${run.activeSeconds.toFixed(1)} s, wall ${run.wallSeconds.toFixed(1)} s`,
    `max lag ${run.maxLag.toLocaleString("en-US")}`,
    `RSS ${run.peakRssBytes.map((bytes) => `${Math.round(bytes / 2 ** 20)} MiB`).join(" + ")}`,
    run.cpuSeconds === undefined
      ? ""
      : `CPU ${run.cpuSeconds.toFixed(1)} s${run.cpuMicrosPerTransaction === undefined ? "" : ` (${run.cpuMicrosPerTransaction.toFixed(0)} µs/tx)`}`,
    run.postgresCpuSeconds === undefined
      ? ""
      : `PostgreSQL CPU ${run.postgresCpuSeconds.toFixed(1)} s (${(run.postgresMicrosPerTransaction ?? 0).toFixed(0)} µs/tx)`,
    run.redisCpuSeconds === undefined ? "" : `Redis CPU ${run.redisCpuSeconds.toFixed(1)} s`,
    run.scoresPublished === undefined
      ? ""
      : `scores published ${run.scoresPublished.toLocaleString("en-US")}`,
    run.anomaliesPublished === undefined ? "" : `anomalies ${run.anomaliesPublished.toLocaleString("en-US")}`,
    `load ${run.load.join("/")}`,
  ]
    .filter(Boolean)
    .join(" | ");
}
