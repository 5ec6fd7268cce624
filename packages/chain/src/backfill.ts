import type { ChainMetrics } from "@chainwatch/metrics";
import type { Logger } from "@chainwatch/service-kit";
import type { ChainCheckpoint, ChainStateRepository } from "@chainwatch/store";
import type { ChainRpc } from "./rpc.ts";
import { type RawRpcBlock, toFollowedBlock } from "./rpc-block.ts";
import type { ChainSink } from "./sinks.ts";

export interface BackfillProgress {
  from: number;
  to: number;
  /** Blocks handed over by this run (a resumed run counts from where it resumed). */
  blocksDone: number;
  blocksTotal: number;
  transactions: number;
  blocksPerSecond: number;
  transactionsPerSecond: number;
  /** null until a rate is known. */
  etaSeconds: number | null;
  /** The block this run started at (after the checkpoint when resumed). */
  startedAt: number;
}

export interface BackfillOptions {
  chainId: number;
  rpc: ChainRpc;
  sink: ChainSink;
  state: Pick<ChainStateRepository, "checkpoint" | "saveCheckpoint" | "recordInclusions">;
  from: number;
  to: number;
  /** Blocks fetched at once; delivery stays in block order (senders' transactions in order). */
  concurrency: number;
  logger: Logger;
  metrics?: ChainMetrics;
  /** Called about once a second and at the end. */
  onProgress?: (progress: BackfillProgress) => void;
  /** The checkpoint is written at most this often (and at the end): a crash repeats at most this much. */
  checkpointIntervalMs?: number;
  signal?: AbortSignal;
}

export interface BackfillResult extends BackfillProgress {
  /** false when aborted before `to`; the checkpoint says where a rerun resumes. */
  isComplete: boolean;
  durationSeconds: number;
}

/** One checkpoint per range, so two backfills of different ranges (or the follower) never share one. */
export const backfillReader = (from: number, to: number) => `backfill:${from}-${to}`;

/**
 * Hands blocks `from`..`to` to the sink: `concurrency` blocks are fetched ahead while the oldest is
 * delivered, so the node's latency overlaps but the pipeline still sees blocks (and each sender's
 * transactions) in chain order. Resumable: a rerun of the same range starts after its checkpoint.
 * A backfilled range is assumed final (older than any reorg); it keeps no canonical window.
 */
export async function runBackfill(options: BackfillOptions): Promise<BackfillResult> {
  const { chainId, rpc, sink, state, from, to } = options;
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to < from)
    throw new RangeError(`invalid block range ${from}..${to}`);
  const reader = backfillReader(from, to);
  const checkpoint = await state.checkpoint(chainId, reader);
  const start = checkpoint ? checkpoint.number + 1 : from;
  if (checkpoint) options.logger.info({ reader, resumeAt: start }, "backfill resumes after its checkpoint");
  const labels = { chain_id: String(chainId), mode: "backfill" };
  const startedMs = performance.now();
  let blocksDone = 0;
  let transactions = 0;
  let lastSaved: ChainCheckpoint | null = checkpoint;
  let pending: ChainCheckpoint | null = null;
  let lastSaveMs = performance.now();
  let lastProgressMs = 0;

  const progress = (): BackfillProgress => {
    const seconds = Math.max(1e-3, (performance.now() - startedMs) / 1000);
    const blocksPerSecond = blocksDone / seconds;
    const remaining = to - start + 1 - blocksDone;
    return {
      from,
      to,
      blocksDone,
      blocksTotal: Math.max(0, to - start + 1),
      transactions,
      blocksPerSecond,
      transactionsPerSecond: transactions / seconds,
      etaSeconds: blocksPerSecond > 0 ? remaining / blocksPerSecond : null,
      startedAt: start,
    };
  };
  const save = async () => {
    if (pending && pending !== lastSaved) {
      await state.saveCheckpoint(chainId, reader, pending);
      lastSaved = pending;
    }
    lastSaveMs = performance.now();
  };

  const fetching = new Map<number, Promise<RawRpcBlock | null>>();
  let nextToFetch = start;
  const fill = () => {
    while (nextToFetch <= to && fetching.size < options.concurrency) {
      const request = rpc.block(nextToFetch);
      // Awaited in order below; until then a failure must not count as an unhandled rejection.
      request.catch(() => {});
      fetching.set(nextToFetch, request);
      nextToFetch++;
    }
  };

  for (let number = start; number <= to && !options.signal?.aborted; number++) {
    fill();
    const raw = await (fetching.get(number) as Promise<RawRpcBlock | null>);
    fetching.delete(number);
    if (!raw) throw new Error(`the node has no block ${number} (its head is below the range?)`);
    const block = toFollowedBlock(raw, chainId, performance.now());
    await sink.deliver(block);
    await state.recordInclusions(chainId, block, [...new Set(block.transactions.map((tx) => tx.hash))]);
    blocksDone++;
    transactions += block.transactions.length;
    pending = { number: block.number, hash: block.hash };
    options.metrics?.blocksTotal.inc(labels);
    options.metrics?.transactionsTotal.inc(labels, block.transactions.length);
    if (performance.now() - lastSaveMs >= (options.checkpointIntervalMs ?? 1_000)) await save();
    if (performance.now() - lastProgressMs >= 1_000) {
      lastProgressMs = performance.now();
      options.onProgress?.(progress());
    }
  }
  await save();
  const result = progress();
  options.onProgress?.(result);
  return {
    ...result,
    isComplete: (lastSaved?.number ?? -1) >= to,
    durationSeconds: (performance.now() - startedMs) / 1000,
  };
}

/** "1234/5000 blocks (24.7 %), 56.0 blocks/s, 1200 tx/s, ETA 1m07s" for stderr. */
export function formatBackfillProgress(p: BackfillProgress): string {
  const percent = p.blocksTotal === 0 ? 100 : (100 * p.blocksDone) / p.blocksTotal;
  const eta = p.etaSeconds === null ? "?" : formatDuration(p.etaSeconds);
  return `backfill ${p.from}..${p.to}: ${p.blocksDone}/${p.blocksTotal} blocks (${percent.toFixed(1)} %), ${p.blocksPerSecond.toFixed(1)} blocks/s, ${Math.round(p.transactionsPerSecond)} tx/s, ETA ${eta}`;
}

function formatDuration(seconds: number): string {
  const total = Math.round(seconds);
  const minutes = Math.floor(total / 60);
  const rest = String(total % 60).padStart(2, "0");
  return minutes > 0 ? `${minutes}m${rest}s` : `${total}s`;
}
