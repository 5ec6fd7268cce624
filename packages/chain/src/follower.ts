import { type ChainMetrics, reorgDepthLabel } from "@chainwatch/metrics";
import { type Component, isRetryAbortedError, type Logger, once, sleep } from "@chainwatch/service-kit";
import type { ChainBlockRef, ChainCheckpoint, ChainStateRepository } from "@chainwatch/store";
import { ReorgTooDeepError } from "./errors.ts";
import type { MempoolStatus, MempoolWatcher } from "./mempool.ts";
import { type ChainRpc, checkChainId } from "./rpc.ts";
import { type FollowedBlock, type RawRpcBlock, toFollowedBlock } from "./rpc-block.ts";
import type { ChainSink } from "./sinks.ts";
import { createChainSubscriptions } from "./ws-subscriptions.ts";

/** The store methods the follower uses (PGlite or PostgreSQL through @chainwatch/store, or a test twin). */
export type ChainState = Pick<
  ChainStateRepository,
  "recentBlocks" | "commitBlock" | "retractAbove" | "previewRetraction"
>;

export interface ChainFollowerOptions {
  chainId: number;
  /** Owned by the follower: `stop()` closes it, ending retries against a node that is down. */
  rpc: ChainRpc;
  state: ChainState;
  sink: ChainSink;
  logger: Logger;
  metrics?: ChainMetrics;
  /** Blocks behind the head a block must be before it is processed; 0 → at once (reorgs are retracted). */
  confirmations?: number;
  pollIntervalMs?: number;
  /** Canonical blocks remembered (in the store) to find the common ancestor of a reorg. */
  reorgWindowBlocks?: number;
  /** Without a checkpoint: the first block to process, or "head" (from now on). */
  startBlock?: number | "head";
  /** Blocks fetched ahead in parallel while catching up; processed strictly in order. */
  prefetchBlocks?: number;
  /** Wait between failed rounds (the sink or the store failing); doubles up to 30 s. */
  failureBackoffMs?: number;
  /**
   * A ws(s):// URL: new heads (and pending hashes in mempool mode) are pushed over eth_subscribe and wake
   * the follower at once; the rounds, checkpoints and reorg handling are the same as when polling.
   */
  subscriptionUrl?: string;
  /** Safety poll while the subscription is open (a socket can stall silently); `pollIntervalMs` otherwise. */
  subscribedPollIntervalMs?: number;
  /** Mempool mode: started and stopped with the follower; every processed block reconciles it. */
  mempool?: MempoolWatcher;
}

export interface ChainFollowerStatus {
  chainId: number;
  isRunning: boolean;
  headBlock: number | null;
  processedBlock: number | null;
  processedHash: string | null;
  lagBlocks: number | null;
  /** Wall clock minus the processed block's timestamp. */
  lagSeconds: number | null;
  reorgs: number;
  lastReorgDepth: number | null;
  lastError: string | null;
  /** off: polling only (HTTP); connected: heads pushed over WebSocket; disconnected: polling until it is back. */
  subscription: "off" | "connected" | "disconnected";
  /** Mempool mode's counts; null when it is off. */
  mempool: MempoolStatus | null;
}

export interface ChainFollower extends Component {
  status(): ChainFollowerStatus;
  /** Resolves after the next round that reached the head (tests and benchmarks wait on it). */
  nextIdle(): Promise<void>;
}

/**
 * Follows one chain's head by polling: every round reads the head, then hands each new block (full
 * transactions) to the sink in order and checkpoints it. A block whose parent hash is not the remembered
 * tip means the node switched branches: the follower walks its window back to the common ancestor, tells
 * the sink which transactions were orphaned, records the retraction, and continues on the new branch.
 * State lives in the store, so a restart resumes after the last checkpoint (no gap, no repeat after a clean
 * stop) and a reorg that happened while it was down is found the same way.
 */
export function createChainFollower(options: ChainFollowerOptions): ChainFollower {
  const { chainId, rpc, state, sink, metrics } = options;
  const log = options.logger.child({ component: "chain-follower", chainId });
  const confirmations = options.confirmations ?? 0;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const windowSize = options.reorgWindowBlocks ?? 128;
  const prefetch = Math.max(1, options.prefetchBlocks ?? 4);
  const labels = { chain_id: String(chainId) };
  const abort = new AbortController();
  /** Oldest first; the last entry is the checkpoint. */
  let window: ChainBlockRef[] = [];
  let head: number | null = null;
  let reorgs = 0;
  let lastReorgDepth: number | null = null;
  let lastError: string | null = null;
  let running: Promise<void> | undefined;
  let idleWaiters: (() => void)[] = [];
  const seenAt = new Map<number, number>();
  const { mempool } = options;
  let wake: (() => void) | undefined;
  /** A head pushed while a round ran (it may have read the head just before): the next wait is skipped. */
  let isWakePending = false;
  const requestRound = () => {
    if (wake) wake();
    else isWakePending = true;
  };
  const subscriptions = options.subscriptionUrl
    ? createChainSubscriptions({
        url: options.subscriptionUrl,
        logger: options.logger,
        handlers: {
          newHeads: requestRound,
          ...(mempool
            ? {
                newPendingTransactions: (hash: unknown) => {
                  if (typeof hash === "string") mempool.announce([hash]);
                },
              }
            : {}),
        },
        onConnectionChange: (isConnected) => {
          metrics?.subscriptionConnected.set(labels, isConnected ? 1 : 0);
          mempool?.setPushConnected(isConnected);
          // Either way a round at once: after a reconnect it reads whatever arrived meanwhile (no gap);
          // after a drop it ends the long subscribed wait, so polling takes over at its own interval.
          requestRound();
        },
      })
    : undefined;
  const subscribedPollIntervalMs = options.subscribedPollIntervalMs ?? 30_000;

  /** Sleeps until the next poll, or until a pushed head (or a reconnect) wakes the loop. */
  function nextRound(ms: number): Promise<void> {
    if (isWakePending) {
      isWakePending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        abort.signal.removeEventListener("abort", done);
        wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      abort.signal.addEventListener("abort", done, { once: true });
      wake = done;
    });
  }

  const tip = () => window.at(-1);

  function noteHead(number: number) {
    const now = performance.now();
    for (let n = Math.max((head ?? number - 1) + 1, number - 64); n <= number; n++) seenAt.set(n, now);
    head = number;
    metrics?.headBlock.set(labels, number);
  }

  function accept(block: FollowedBlock) {
    const ref = {
      number: block.number,
      hash: block.hash,
      parentHash: block.parentHash,
      timestamp: block.timestamp,
    };
    window.push(ref);
    if (window.length > windowSize) window = window.slice(-windowSize);
    seenAt.delete(block.number);
    metrics?.processedBlock.set(labels, block.number);
    metrics?.blocksTotal.inc({ ...labels, mode: "follow" });
    metrics?.transactionsTotal.inc({ ...labels, mode: "follow" }, block.transactions.length);
    metrics?.blockToScoreSeconds.observe(labels, (performance.now() - block.seenAtMs) / 1000);
    if (head !== null) metrics?.lagBlocks.set(labels, head - block.number);
    metrics?.lagSeconds.set(labels, Math.max(0, Date.now() / 1000 - block.timestamp));
  }

  /** Hands one block over and checkpoints it; false when its parent is not our tip (a reorg). */
  async function processBlock(raw: RawRpcBlock): Promise<boolean> {
    const number = Number(BigInt(raw.number));
    const block = toFollowedBlock(raw, chainId, seenAt.get(number) ?? performance.now());
    const current = tip();
    if (current && block.parentHash !== current.hash) return false;
    const handOver = async () => {
      await sink.deliver(block);
      // Before the checkpoint: a crash repeats the block and the reconciliation, which is idempotent.
      await mempool?.reconcile(block);
    };
    await (mempool ? mempool.exclusive(handOver) : handOver());
    const ref = {
      number: block.number,
      hash: block.hash,
      parentHash: block.parentHash,
      timestamp: block.timestamp,
    };
    await state.commitBlock(chainId, ref, [...new Set(block.transactions.map((tx) => tx.hash))], windowSize);
    accept(block);
    return true;
  }

  /** The newest remembered block the node still has; walks down the window one header at a time. */
  async function findAncestor(): Promise<ChainCheckpoint> {
    for (let i = window.length - 1; i >= 0; i--) {
      const ours = window[i] as ChainBlockRef;
      const theirs = await rpc.blockHeader(ours.number);
      if (theirs && theirs.hash.toLowerCase() === ours.hash) return { number: ours.number, hash: ours.hash };
    }
    const oldest = window[0] as ChainBlockRef;
    const error = new ReorgTooDeepError(window.length, oldest.number);
    log.error({ err: error }, "reorg deeper than the window; following the node's chain from below it");
    lastError = error.message;
    const below = await rpc.blockHeader(oldest.number - 1);
    if (!below) throw error;
    return { number: oldest.number - 1, hash: below.hash.toLowerCase() };
  }

  async function handleReorg(): Promise<void> {
    const ancestor = await findAncestor();
    const preview = await state.previewRetraction(chainId, ancestor.number);
    const depth = preview.blocks.length;
    // The sink hears first: if we crash before the store records it, the next start finds it again.
    await sink.retract({ chainId, ancestor, orphanedBlocks: preview.blocks, txHashes: preview.txHashes });
    const retracted = await state.retractAbove(chainId, ancestor);
    window = window.filter((block) => block.number <= ancestor.number);
    reorgs++;
    lastReorgDepth = depth;
    metrics?.reorgsTotal.inc({ ...labels, depth: reorgDepthLabel(depth) });
    metrics?.retractedTransactionsTotal.inc(labels, retracted.txHashes.length);
    log.warn(
      { ancestor: ancestor.number, depth, retractedTransactions: retracted.txHashes.length },
      "reorg: orphaned blocks retracted",
    );
  }

  /** Our tip is no longer on the node's chain (a reorg to a branch no longer than ours, or while we were down). */
  async function isTipOrphaned(target: number): Promise<boolean> {
    const current = tip();
    if (!current || target > current.number) return false;
    const theirs = await rpc.blockHeader(current.number);
    return theirs !== null && theirs.hash.toLowerCase() !== current.hash;
  }

  /** One round: head, reorg check, then the new blocks in order, fetched `prefetch` at a time. */
  async function round(): Promise<void> {
    noteHead(await rpc.blockNumber());
    const target = (head as number) - confirmations;
    if (await isTipOrphaned(target)) await handleReorg();
    const start = options.startBlock ?? "head";
    let next = tip() ? (tip() as ChainBlockRef).number + 1 : start === "head" ? Math.max(0, target) : start;
    while (next <= target && !abort.signal.aborted) {
      const numbers = Array.from({ length: Math.min(prefetch, target - next + 1) }, (_, i) => next + i);
      const blocks = await Promise.all(numbers.map((n) => rpc.block(n)));
      let isReorg = false;
      for (const raw of blocks) {
        if (!raw) return; // a load-balanced node that has not seen it yet: next round
        if (!(await processBlock(raw))) {
          isReorg = true;
          break;
        }
      }
      if (isReorg) await handleReorg();
      next = tip() ? (tip() as ChainBlockRef).number + 1 : next;
    }
  }

  async function loop(): Promise<void> {
    window = (await state.recentBlocks(chainId, windowSize)).reverse();
    if (tip()) log.info({ checkpoint: tip()?.number }, "resuming after the checkpoint");
    let failures = 0;
    while (!abort.signal.aborted) {
      try {
        await round();
        failures = 0;
        lastError = null;
        for (const resolve of idleWaiters) resolve();
        idleWaiters = [];
      } catch (error) {
        if (abort.signal.aborted || isRetryAbortedError(error)) break;
        failures++;
        lastError = error instanceof Error ? error.message : String(error);
        log.error({ err: error, failures }, "follow round failed; retrying");
      }
      const backoff = Math.min(30_000, (options.failureBackoffMs ?? 1_000) * 2 ** Math.max(0, failures - 1));
      if (failures > 0) await sleep(backoff, abort.signal);
      else await nextRound(subscriptions?.isConnected() ? subscribedPollIntervalMs : pollIntervalMs);
    }
  }

  return {
    async start() {
      await checkChainId(rpc, chainId);
      if (subscriptions) metrics?.subscriptionConnected.set(labels, 0);
      subscriptions?.start();
      await mempool?.start();
      running = loop();
      running.catch((error: unknown) => log.fatal({ err: error }, "chain follower stopped unexpectedly"));
    },
    stop: once(async () => {
      abort.abort();
      subscriptions?.stop();
      const mempoolStopped = mempool?.stop();
      rpc.close();
      await mempoolStopped;
      await running?.catch(() => {});
      for (const resolve of idleWaiters) resolve();
    }),
    nextIdle: () => new Promise<void>((resolve) => idleWaiters.push(resolve)),
    status() {
      const current = tip();
      return {
        chainId,
        isRunning: running !== undefined && !abort.signal.aborted,
        headBlock: head,
        processedBlock: current?.number ?? null,
        processedHash: current?.hash ?? null,
        lagBlocks: head !== null && current ? head - current.number : null,
        lagSeconds: current ? Math.max(0, Math.round(Date.now() / 1000 - current.timestamp)) : null,
        reorgs,
        lastReorgDepth,
        lastError,
        subscription: subscriptions ? (subscriptions.isConnected() ? "connected" : "disconnected") : "off",
        mempool: mempool?.status() ?? null,
      };
    },
  };
}
