/**
 * The chain follower on a local anvil (issue #19), `pnpm --filter @chainwatch/loadtests bench:chain`.
 *
 * 1. Block-to-score latency in embedded mode: the gateway (`node apps/api-gateway/src/main.ts`, PGlite in
 *    memory, the shipped model, CHAIN_RPC_URL on anvil) follows the chain; the bench mines one block per
 *    second carrying `--txs-per-block` transactions and times from the moment `evm_mine` returned to the
 *    moment all of that block's transactions are in the store (the lookup API, polled every 10 ms).
 *    Baseline in the same run: the RPC round trip any poller pays (eth_blockNumber, then
 *    eth_getBlockByNumber with transactions), and the poll interval's expected wait (half of it).
 * 2. Backfill throughput over `--backfill-blocks` blocks: the node's ceiling (raw eth_getBlockByNumber with
 *    transactions, sequential and 8 at once), runBackfill into a sink that only counts (fetch + normalise,
 *    in order), and a second embedded gateway started at block 1 catching up through the whole pipeline
 *    (score + durable store write), all in the same run.
 * 3. With `--kafka`: the same latency in Kafka mode (the chain-follower app publishing to a topic of this
 *    run, one scoring worker storing into a scratch PostgreSQL schema, polled every 10 ms); the local Kafka
 *    and PostgreSQL must be up (KAFKA_BROKERS, DATABASE_URL).
 */
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { createCallbackSink, createChainRpc, runBackfill } from "@chainwatch/chain";
import { type Anvil, startAnvil } from "@chainwatch/chain/anvil";
import { createKafkaClient, createStreamAdmin } from "@chainwatch/kafka";
import { createLogger } from "@chainwatch/service-kit";
import {
  createChainStateRepository,
  createPgliteDatabase,
  createPostgresDatabase,
  runMigrations,
} from "@chainwatch/store";
import { formatLoad, loadAverages, machineInfo } from "../machine.ts";
import { spawnNode, waitForOutput } from "../processes/child-service.ts";
import { type LoadGateway, startGateway } from "../processes/gateway.ts";

const { values } = parseArgs({
  options: {
    "latency-blocks": { type: "string", default: "30" },
    "backfill-blocks": { type: "string", default: "200" },
    "txs-per-block": { type: "string", default: "25" },
    "poll-ms": { type: "string", default: "250" },
    // Kafka mode too: the chain-follower app and one scoring worker on the local Kafka and PostgreSQL.
    kafka: { type: "boolean", default: false },
  },
});
const require = createRequire(import.meta.url);
const mainOf = (pkg: string) => join(dirname(require.resolve(`${pkg}/package.json`)), "src/main.ts");
const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? "127.0.0.1:9092";
const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const LATENCY_BLOCKS = Number(values["latency-blocks"]);
const BACKFILL_BLOCKS = Number(values["backfill-blocks"]);
const TXS_PER_BLOCK = Number(values["txs-per-block"]);
const POLL_MS = Number(values["poll-ms"]);
const CHAIN_ID = 31_337;
const CONCURRENCY = 8;
const logger = createLogger({ name: "chain-bench", level: "silent" });

/** Anvil's ten unlocked default accounts: eth_sendTransaction needs no signing, so blocks fill fast. */
const ACCOUNTS = [
  "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
  "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
  "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc",
  "0x90f79bf6eb2c4f870365e785982e1f101e93b906",
  "0x15d34aaf54267db7d7c367839aaf71a00a2c6a65",
  "0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc",
  "0x976ea74026e726554db657fa54763abd0c3a0aa9",
  "0x14dc79964da2c08b23698b3d3cc7ca32193d9955",
  "0x23618e81e3f5cdf7f54c3d65f7fbc0abf5b21e8f",
  "0xa0ee7a142d267c1f36714e4a8f75612f20a79720",
];

async function rpcBatch(url: string, calls: { method: string; params: unknown[] }[]): Promise<unknown[]> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(calls.map((call, id) => ({ jsonrpc: "2.0", id, ...call }))),
  });
  const body = (await response.json()) as { id: number; result?: unknown; error?: { message: string } }[];
  const failed = body.find((item) => item.error);
  if (failed) throw new Error(failed.error?.message);
  return body.sort((a, b) => a.id - b.id).map((item) => item.result);
}

let sequence = 0;
/** `count` transfers, alternately legacy and EIP-1559, from the ten accounts in turn; their hashes. */
async function sendTransfers(anvil: Anvil, count: number): Promise<string[]> {
  const calls = Array.from({ length: count }, () => {
    const n = sequence++;
    const fees =
      n % 2 === 0
        ? { gasPrice: "0x77359400" }
        : { maxFeePerGas: "0xb2d05e00", maxPriorityFeePerGas: "0x3b9aca00" };
    const to = `0x${(0xbeef0000 + (n % 500)).toString(16).padStart(40, "0")}`;
    return {
      method: "eth_sendTransaction",
      params: [
        {
          from: ACCOUNTS[n % ACCOUNTS.length],
          to,
          value: `0x${(1_000_000_000_000 + n).toString(16)}`,
          gas: "0x5208",
          ...fees,
        },
      ],
    };
  });
  return (await rpcBatch(anvil.url, calls)) as string[];
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
const ms = (value: number) => `${value.toFixed(1)} ms`;
const sleep = (delayMs: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, delayMs)));

async function storedCount(gateway: LoadGateway, hashes: string[]): Promise<number> {
  const response = await fetch(`${gateway.url}/api/v1/batch/transactions/lookup`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": gateway.adminKey },
    body: JSON.stringify({ hashes }),
  });
  if (response.status !== 200)
    throw new Error(`lookup answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { totalFound: number }).totalFound;
}

async function waitStored(
  gateway: LoadGateway,
  hashes: string[],
  timeoutMs: number,
  pollMs = 10,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (let start = 0; start < hashes.length; ) {
    const chunk = hashes.slice(start, start + 1_000);
    if ((await storedCount(gateway, chunk)) === chunk.length) start += 1_000;
    else if (performance.now() > deadline) throw new Error("transactions not stored in time");
    else await sleep(pollMs);
  }
}

const gatewayEnv = (anvil: Anvil, startBlock: string) => ({
  CHAIN_RPC_URL: anvil.url,
  CHAIN_ID: String(CHAIN_ID),
  CHAIN_POLL_INTERVAL_MS: String(POLL_MS),
  CHAIN_START_BLOCK: startBlock,
  CHAIN_PREFETCH_BLOCKS: String(CONCURRENCY),
  ENABLE_RATE_LIMITING: "false",
});

async function latency(anvil: Anvil) {
  // The raw cost of noticing a block and fetching it, measured on this node now.
  const rpcTimes: number[] = [];
  for (let i = 0; i < 30; i++) {
    const started = performance.now();
    const [head] = (await rpcBatch(anvil.url, [{ method: "eth_blockNumber", params: [] }])) as string[];
    await rpcBatch(anvil.url, [{ method: "eth_getBlockByNumber", params: [head, true] }]);
    rpcTimes.push(performance.now() - started);
  }
  const start = (await anvil.blockNumber()) + 1;
  const gateway = await startGateway(gatewayEnv(anvil, String(start)), { name: "gateway-latency" });
  try {
    await sleep(2_000); // the follower's first poll and the model's first load are not what is measured
    const samples: number[] = [];
    let next = performance.now();
    for (let block = 0; block < LATENCY_BLOCKS; block++) {
      await sleep(next - performance.now());
      next += 1_000;
      const hashes = await sendTransfers(anvil, TXS_PER_BLOCK);
      await anvil.rpc("evm_mine");
      const minedAt = performance.now();
      await waitStored(gateway, hashes, 30_000);
      samples.push(performance.now() - minedAt);
    }
    samples.sort((a, b) => a - b);
    rpcTimes.sort((a, b) => a - b);
    const rpcP50 = percentile(rpcTimes, 50);
    return {
      samples,
      rpcP50,
      p50: percentile(samples, 50),
      p95: percentile(samples, 95),
      max: samples.at(-1) ?? 0,
    };
  } finally {
    await gateway.stop();
  }
}

/**
 * Kafka mode: `apps/chain-follower` publishes each block to a topic of this run, one scoring worker scores
 * and stores it in a scratch schema; the bench polls that schema every 10 ms for the block's transactions.
 */
async function kafkaLatency(anvil: Anvil) {
  const runId = randomBytes(3).toString("hex");
  const schema = `bench_chain_${runId}`;
  const topics = {
    KAFKA_TOPIC_TRANSACTIONS: `chainwatch.bench.chain.${runId}.transactions.v1`,
    KAFKA_TOPIC_SCORES: `chainwatch.bench.chain.${runId}.scores.v1`,
    KAFKA_TOPIC_ANOMALIES: `chainwatch.bench.chain.${runId}.anomalies.v1`,
    KAFKA_TOPIC_DLQ: `chainwatch.bench.chain.${runId}.dlq.v1`,
    KAFKA_TOPIC_RETRACTIONS: `chainwatch.bench.chain.${runId}.retractions.v1`,
  };
  const common = {
    HEALTH_PORT: "0",
    HEALTH_HOST: "127.0.0.1",
    KAFKA_BROKERS,
    KAFKA_TOPIC_PARTITIONS: "6",
    DATABASE_URL,
    DATABASE_SCHEMA: schema,
    REDIS_URL: undefined,
    REDIS_ENABLED: "false",
  };
  const { KAFKA_TOPIC_RETRACTIONS, ...workerTopics } = topics;
  const worker = spawnNode("scoring-worker", mainOf("@chainwatch/scoring-worker"), {
    ...common,
    ...workerTopics,
    LOG_LEVEL: "warn",
    KAFKA_GROUP_ID: `bench-chain-${runId}`,
  });
  const follower = spawnNode("chain-follower", mainOf("@chainwatch/chain-follower"), {
    ...common,
    KAFKA_TOPIC_TRANSACTIONS: topics.KAFKA_TOPIC_TRANSACTIONS,
    KAFKA_TOPIC_RETRACTIONS,
    LOG_LEVEL: "info",
    CHAIN_RPC_URL: anvil.url,
    CHAIN_ID: String(CHAIN_ID),
    CHAIN_POLL_INTERVAL_MS: String(POLL_MS),
    CHAIN_START_BLOCK: String((await anvil.blockNumber()) + 1),
  });
  const db = await createPostgresDatabase({ connectionString: DATABASE_URL, schema, maxConnections: 1 });
  const stored = async (hashes: string[]) =>
    Number(
      (
        await db.query<{ n: string }>(
          "SELECT count(*) AS n FROM transactions WHERE hash IN (SELECT jsonb_array_elements_text($1::jsonb))",
          [JSON.stringify(hashes)],
        )
      ).rows[0]?.n ?? 0,
    );
  const waitStoredInDb = async (hashes: string[], timeoutMs: number) => {
    const deadline = performance.now() + timeoutMs;
    while ((await stored(hashes).catch(() => 0)) < hashes.length) {
      if (performance.now() > deadline) throw new Error("kafka mode: transactions not stored in time");
      await sleep(10);
    }
  };
  try {
    await waitForOutput(follower, /following the chain/, 90_000);
    // Not measured: the worker's first group join and the model's first load.
    const warmUp = await sendTransfers(anvil, TXS_PER_BLOCK);
    await anvil.rpc("evm_mine");
    await waitStoredInDb(warmUp, 120_000);
    const samples: number[] = [];
    let next = performance.now();
    for (let block = 0; block < LATENCY_BLOCKS; block++) {
      await sleep(next - performance.now());
      next += 1_000;
      const hashes = await sendTransfers(anvil, TXS_PER_BLOCK);
      await anvil.rpc("evm_mine");
      const minedAt = performance.now();
      await waitStoredInDb(hashes, 30_000);
      samples.push(performance.now() - minedAt);
    }
    samples.sort((a, b) => a - b);
    return { samples, p50: percentile(samples, 50), p95: percentile(samples, 95), max: samples.at(-1) ?? 0 };
  } finally {
    await follower.stop();
    await worker.stop();
    await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await db.close();
    const admin = createStreamAdmin({
      kafka: createKafkaClient({ brokers: KAFKA_BROKERS.split(","), clientId: "chain-bench", logger }),
      logger,
    });
    await admin.deleteTopics(Object.values(topics)).catch(() => {});
    await admin.close();
  }
}

async function backfill(anvil: Anvil) {
  const first = (await anvil.blockNumber()) + 1;
  for (let block = 0; block < BACKFILL_BLOCKS; block++) {
    await sendTransfers(anvil, TXS_PER_BLOCK);
    await anvil.rpc("evm_mine");
  }
  const last = first + BACKFILL_BLOCKS - 1;
  const transactions = BACKFILL_BLOCKS * TXS_PER_BLOCK;
  const numbers = Array.from({ length: BACKFILL_BLOCKS }, (_, i) => first + i);
  const fetchBlock = (n: number) =>
    rpcBatch(anvil.url, [{ method: "eth_getBlockByNumber", params: [`0x${n.toString(16)}`, true] }]);

  let started = performance.now();
  for (const n of numbers) await fetchBlock(n);
  const rawSequentialSeconds = (performance.now() - started) / 1000;

  started = performance.now();
  let cursor = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (cursor < numbers.length) await fetchBlock(numbers[cursor++] as number);
    }),
  );
  const rawParallelSeconds = (performance.now() - started) / 1000;

  const db = await createPgliteDatabase();
  await runMigrations(db);
  let counted = 0;
  const fetchOnly = await runBackfill({
    chainId: CHAIN_ID,
    rpc: createChainRpc({ urls: [anvil.url], timeoutMs: 10_000, logger }),
    sink: createCallbackSink({
      onBlock: async (block) => {
        counted += block.transactions.length;
      },
    }),
    state: createChainStateRepository(db),
    from: first,
    to: last,
    concurrency: CONCURRENCY,
    logger,
  });
  await db.close();
  if (counted !== transactions) throw new Error(`backfill counted ${counted} of ${transactions}`);

  // The embedded gateway starting behind: its follower catches up through scoring and the store.
  const hashes = (await Promise.all(numbers.map((n) => fetchBlock(n)))).flatMap(([block]) =>
    (block as { transactions: { hash: string }[] }).transactions.map((tx) => tx.hash),
  );
  // Timed from the gateway's start: its follower begins catching up before the ready banner.
  const catchUpStarted = performance.now();
  const gateway = await startGateway(gatewayEnv(anvil, String(first)), { name: "gateway-catch-up" });
  const readyAfterSeconds = (performance.now() - catchUpStarted) / 1000;
  try {
    await waitStored(gateway, hashes, 600_000, 100);
  } finally {
    await gateway.stop();
  }
  const catchUpSeconds = (performance.now() - catchUpStarted) / 1000;
  return {
    transactions,
    rawSequentialSeconds,
    rawParallelSeconds,
    fetchOnly,
    catchUpSeconds,
    readyAfterSeconds,
  };
}

const machine = machineInfo();
const loadBefore = loadAverages();
const anvil = await startAnvil({ chainId: CHAIN_ID, noMining: true });
try {
  process.stdout.write(
    `chain follower bench: ${machine.cores} cores (${machine.cpuModel}), node ${machine.node}, load ${formatLoad(loadBefore)}\n` +
      `  ${TXS_PER_BLOCK} transactions per block, poll interval ${POLL_MS} ms, concurrency ${CONCURRENCY}\n\n`,
  );
  const lat = await latency(anvil);
  process.stdout.write(
    `block-to-score latency, embedded, 1 block/s (${lat.samples.length} blocks): p50 ${ms(lat.p50)}, p95 ${ms(lat.p95)}, max ${ms(lat.max)}\n` +
      `  baseline: RPC round trip (blockNumber + getBlockByNumber full) p50 ${ms(lat.rpcP50)}; expected poll wait ${ms(POLL_MS / 2)}\n` +
      `  p50 ÷ (round trip + expected poll wait) = ${(lat.p50 / (lat.rpcP50 + POLL_MS / 2)).toFixed(2)}\n\n`,
  );
  if (values.kafka) {
    const kafka = await kafkaLatency(anvil);
    process.stdout.write(
      `block-to-score latency, Kafka mode (chain-follower → topic → 1 scoring worker → PostgreSQL), 1 block/s (${kafka.samples.length} blocks): p50 ${ms(kafka.p50)}, p95 ${ms(kafka.p95)}, max ${ms(kafka.max)}\n` +
        `  p50 ÷ embedded p50 in this run = ${(kafka.p50 / lat.p50).toFixed(2)}\n\n`,
    );
  }
  const bf = await backfill(anvil);
  const rate = (seconds: number) => bf.transactions / seconds;
  const rawBest = Math.max(rate(bf.rawSequentialSeconds), rate(bf.rawParallelSeconds));
  process.stdout.write(
    `backfill of ${BACKFILL_BLOCKS} blocks, ${bf.transactions} transactions:\n` +
      `  node ceiling, raw eth_getBlockByNumber(full): sequential ${Math.round(rate(bf.rawSequentialSeconds))} tx/s (${(BACKFILL_BLOCKS / bf.rawSequentialSeconds).toFixed(0)} blocks/s), ${CONCURRENCY} at once ${Math.round(rate(bf.rawParallelSeconds))} tx/s\n` +
      `  runBackfill, counting sink (fetch + normalise, in order): ${Math.round(bf.fetchOnly.transactionsPerSecond)} tx/s = ${(bf.fetchOnly.transactionsPerSecond / rawBest).toFixed(2)} × the ceiling\n` +
      `  embedded gateway catching up (score + store), from its ready banner: ${Math.round(rate(bf.catchUpSeconds - bf.readyAfterSeconds))} tx/s = ${(rate(bf.catchUpSeconds - bf.readyAfterSeconds) / rawBest).toFixed(2)} × the ceiling\n` +
      `    (from process start, ${bf.readyAfterSeconds.toFixed(1)} s of start-up included: ${Math.round(rate(bf.catchUpSeconds))} tx/s)\n`,
  );
  process.stdout.write(`\nload after: ${formatLoad(loadAverages())}\n`);
} finally {
  await anvil.stop();
}
