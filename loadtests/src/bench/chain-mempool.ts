/**
 * How early mempool mode flags a transaction (issue #19, item 8), `pnpm --filter @chainwatch/loadtests
 * bench:mempool [--block-times 2,12] [--txs 24]`.
 *
 * For each block time, one anvil mining on its own clock (`--block-time`) and one embedded gateway (child
 * process, PGlite in memory, the shipped model) following it with CHAIN_MEMPOOL=true over WebSocket
 * (CHAIN_WS_URL; heads and pending hashes pushed). The bench sends `--txs` transfers at random moments
 * spread over about `--txs / 2` block intervals and, polling the batch lookup every 20 ms, records per
 * transaction when its result was first stored while pending and when the mined result was stored.
 *
 * - pending flag: send → pending result stored (the mempool path);
 * - block flag (the baseline, same run, same transactions): send → mined result stored, which is when a
 *   follower without mempool mode would first have scored it;
 * - how early: block flag − pending flag, and the follower's own `leadTimeMs` (pending seen → block seen)
 *   from the lookup. A transaction sent at a uniformly random moment waits half a block on average.
 */
import { parseArgs } from "node:util";
import { type Anvil, startAnvil } from "@chainwatch/chain/anvil";
import { formatLoad, loadAverages, machineInfo } from "../machine.ts";
import { type LoadGateway, startGateway } from "../processes/gateway.ts";

const { values } = parseArgs({
  // `pnpm run bench:mempool -- --txs 8` passes the separator through.
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: {
    "block-times": { type: "string", default: "2,12" },
    txs: { type: "string", default: "24" },
  },
});
const BLOCK_TIMES = values["block-times"].split(",").map(Number);
const TXS = Number(values.txs);
const CHAIN_ID = 31_337;
const ACCOUNTS = [
  "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
  "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
  "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc",
  "0x90f79bf6eb2c4f870365e785982e1f101e93b906",
];

const sleep = (delayMs: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, delayMs)));
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), min: sorted[0] ?? Number.NaN, mean };
};
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

interface Sample {
  hash: string;
  sentAt: number;
  pendingAt?: number;
  minedAt?: number;
  leadTimeMs?: number | null;
  /** Stored mined before a pending result was ever seen (announced too late, or not at all). */
  isMinedFirst?: boolean;
}

interface LookupItem {
  hash: string;
  blockNumber: number | null;
  chain: { status: string; leadTimeMs: number | null } | null;
}

async function lookup(gateway: LoadGateway, hashes: string[]): Promise<LookupItem[]> {
  const response = await fetch(`${gateway.url}/api/v1/batch/transactions/lookup`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": gateway.adminKey },
    body: JSON.stringify({ hashes }),
  });
  if (response.status !== 200)
    throw new Error(`lookup answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { transactions: LookupItem[] }).transactions;
}

let sequence = 0;
async function send(anvil: Anvil): Promise<string> {
  const n = sequence++;
  return anvil.rpc<string>("eth_sendTransaction", [
    {
      from: ACCOUNTS[n % ACCOUNTS.length],
      to: `0x${(0xbeef0000 + n).toString(16).padStart(40, "0")}`,
      value: `0x${(1_000_000_000_000 + n).toString(16)}`,
      gas: "0x5208",
      maxFeePerGas: "0xb2d05e00",
      maxPriorityFeePerGas: "0x3b9aca00",
    },
  ]);
}

async function measure(blockTimeSeconds: number) {
  const anvil = await startAnvil({ chainId: CHAIN_ID, blockTimeSeconds });
  const gateway = await startGateway(
    {
      CHAIN_RPC_URL: anvil.url,
      CHAIN_WS_URL: `ws://127.0.0.1:${anvil.port}`,
      CHAIN_ID: String(CHAIN_ID),
      CHAIN_MEMPOOL: "true",
      CHAIN_POLL_INTERVAL_MS: "250",
      ENABLE_RATE_LIMITING: "false",
    },
    { name: `gateway-mempool-${blockTimeSeconds}s` },
  );
  const loadBefore = loadAverages();
  try {
    await sleep(3_000); // the subscription, the first round and the model's first load are not measured
    const samples: Sample[] = [];
    const spanMs = (TXS / 2) * blockTimeSeconds * 1000;
    const offsets = Array.from({ length: TXS }, () => Math.random() * spanMs).sort((a, b) => a - b);
    const started = performance.now();
    let isSending = true;
    const sending = (async () => {
      for (const offset of offsets) {
        await sleep(started + offset - performance.now());
        samples.push({ hash: (await send(anvil)).toLowerCase(), sentAt: performance.now() });
      }
      isSending = false;
    })();
    const deadline = started + spanMs + blockTimeSeconds * 4_000 + 30_000;
    while (isSending || samples.some((sample) => sample.minedAt === undefined)) {
      if (performance.now() > deadline) throw new Error("transactions not mined and stored in time");
      const open = samples.filter((sample) => sample.minedAt === undefined);
      if (open.length > 0) {
        const now = performance.now();
        const byHash = new Map(
          (
            await lookup(
              gateway,
              open.map((sample) => sample.hash),
            )
          ).map((i) => [i.hash, i]),
        );
        for (const sample of open) {
          const item = byHash.get(sample.hash);
          if (!item) continue;
          if (item.blockNumber === null) sample.pendingAt ??= now;
          else {
            sample.minedAt = now;
            sample.isMinedFirst = sample.pendingAt === undefined;
            sample.leadTimeMs = item.chain?.leadTimeMs ?? null;
          }
        }
      }
      await sleep(20);
    }
    await sending;
    const flagged = samples.filter((sample) => !sample.isMinedFirst);
    const pendingFlag = summary(flagged.map((x) => (x.pendingAt as number) - x.sentAt));
    const blockFlag = summary(samples.map((x) => (x.minedAt as number) - x.sentAt));
    const early = summary(flagged.map((x) => (x.minedAt as number) - (x.pendingAt as number)));
    const followerLead = summary(
      flagged.flatMap((x) => (typeof x.leadTimeMs === "number" ? [x.leadTimeMs] : [])),
    );
    return {
      blockTimeSeconds,
      sent: samples.length,
      flaggedWhilePending: flagged.length,
      pendingFlag,
      blockFlag,
      early,
      followerLead,
      loadBefore,
      loadAfter: loadAverages(),
    };
  } finally {
    await gateway.stop();
    await anvil.stop();
  }
}

const print = (line: string) => process.stdout.write(`${line}\n`);
const machine = machineInfo();
print(
  `chain mempool bench: ${machine.cores} cores, ${machine.cpuModel}, node ${machine.node}; ${TXS} transactions per block time`,
);
for (const blockTime of BLOCK_TIMES) {
  const r = await measure(blockTime);
  print(`\n${r.blockTimeSeconds} s blocks (load ${formatLoad(r.loadBefore)} → ${formatLoad(r.loadAfter)})`);
  print(`  scored while pending: ${r.flaggedWhilePending} of ${r.sent}`);
  print(
    `  pending flag (send → pending result stored): p50 ${s(r.pendingFlag.p50)}, p95 ${s(r.pendingFlag.p95)}`,
  );
  print(
    `  block flag, the baseline (send → mined result stored): p50 ${s(r.blockFlag.p50)}, p95 ${s(r.blockFlag.p95)}`,
  );
  print(
    `  how early (block flag − pending flag): p50 ${s(r.early.p50)}, p95 ${s(r.early.p95)}, min ${s(r.early.min)}, mean ${s(r.early.mean)} = ${(r.early.mean / (r.blockTimeSeconds * 1000)).toFixed(2)} × the block time`,
  );
  print(
    `  follower's lead time (pending seen → block seen): p50 ${s(r.followerLead.p50)}, mean ${s(r.followerLead.mean)}`,
  );
  print(`  ratio: pending flag p50 ÷ block flag p50 = ${(r.pendingFlag.p50 / r.blockFlag.p50).toFixed(3)}`);
}
