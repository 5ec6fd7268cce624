import type { ChainMetrics } from "@chainwatch/metrics";
import { type Component, type Logger, once, sleep } from "@chainwatch/service-kit";
import type { PendingResolution, PendingTransactionsRepository } from "@chainwatch/store";
import type { ChainRpc } from "./rpc.ts";
import { type FollowedBlock, type PipelineTransaction, toPendingTransaction } from "./rpc-block.ts";
import type { ChainSink } from "./sinks.ts";

/** The store methods the watcher uses (@chainwatch/store, or a test twin). */
export type PendingState = Pick<
  PendingTransactionsRepository,
  "recordSeen" | "reconcileBlock" | "dropOlderThan"
>;

export interface MempoolWatcherOptions {
  chainId: number;
  /** Shared with the follower; the follower owns (and closes) it. */
  rpc: ChainRpc;
  sink: ChainSink;
  state: PendingState;
  logger: Logger;
  metrics?: ChainMetrics;
  /** Pending transactions tracked at once; announcements beyond it are not scored before their block. */
  maxPending?: number;
  /** Not in a processed block this long after it was seen → dropped. */
  dropAfterMs?: number;
  /** How often the HTTP pending filter is polled (unused while a WebSocket pushes the hashes). */
  pollIntervalMs?: number;
  /**
   * true: hashes arrive through `announce` (a WebSocket subscription the caller runs); the HTTP filter is
   * polled only while `setPushConnected(false)`.
   */
  hasPushSource?: boolean;
}

export interface MempoolStatus {
  tracked: number;
  seen: number;
  mined: number;
  replaced: number;
  dropped: number;
  skipped: number;
}

export interface MempoolWatcher extends Component {
  /** Pending hashes from a push source (eth_subscribe newPendingTransactions). */
  announce(hashes: readonly string[]): void;
  /** The push source opened or closed: the HTTP filter covers for it while it is closed. */
  setPushConnected(isConnected: boolean): void;
  /**
   * Runs `fn` with no pending hand-over in progress. The follower delivers and reconciles each block
   * inside it: a pending transaction fetched before its block was processed is then recognised as mined
   * and never handed over after the mined one (which would store the pending content over the mined).
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** A processed block: its pending transactions are mined, same sender and nonce ones replaced. */
  reconcile(block: FollowedBlock): Promise<void>;
  status(): MempoolStatus;
  /** Resolves once every hash announced so far was handled (tests wait on it). */
  drained(): Promise<void>;
}

interface Tracked {
  from: string;
  nonce: number;
  seenAtMs: number;
}

/** Hashes of recently processed blocks remembered to refuse a late pending announcement of them. */
const RECENTLY_MINED_LIMIT = 20_000;
const FETCH_BATCH = 100;

/**
 * Mempool mode (issue #19, item 8): transactions the node announces as pending are fetched, handed to the
 * pipeline with `status: "pending"` (scored, stored, alerted before their block) and remembered (bounded
 * by `maxPending`) with their sender and nonce. Each processed block reconciles them: in the block →
 * mined (lead time observed), another transaction of the same sender and nonce in the block → replaced;
 * a sweep marks those seen more than `dropAfterMs` ago dropped. The store keeps the same record, so a
 * restart loses only the in-memory lead times.
 */
export function createMempoolWatcher(options: MempoolWatcherOptions): MempoolWatcher {
  const { chainId, rpc, sink, state, metrics } = options;
  const deliverPending = sink.deliverPending?.bind(sink);
  if (!deliverPending) throw new Error("mempool mode needs a sink that accepts pending transactions");
  const log = options.logger.child({ component: "mempool", chainId });
  const maxPending = options.maxPending ?? 10_000;
  const dropAfterMs = options.dropAfterMs ?? 600_000;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const labels = { chain_id: String(chainId) };
  const abort = new AbortController();
  const tracked = new Map<string, Tracked>();
  /** Announced, not yet handled: hash → when it was announced. */
  const queue = new Map<string, number>();
  const recentlyMined = new Set<string>();
  const counts = { seen: 0, mined: 0, replaced: 0, dropped: 0, skipped: 0 };
  let isPushConnected = false;
  let lock: Promise<unknown> = Promise.resolve();
  let wakeQueue: (() => void) | undefined;
  let drainWaiters: (() => void)[] = [];
  let loops: Promise<void>[] = [];

  const skip = (reason: "full" | "gone" | "failed", count = 1) => {
    counts.skipped += count;
    metrics?.mempoolSkippedTotal.inc({ ...labels, reason }, count);
  };

  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = lock.then(fn, fn);
    lock = run.catch(() => {});
    return run;
  }

  function announce(hashes: readonly string[]) {
    const now = performance.now();
    for (const raw of hashes) {
      if (typeof raw !== "string") continue;
      const hash = raw.toLowerCase();
      if (tracked.has(hash) || queue.has(hash) || recentlyMined.has(hash)) continue;
      if (tracked.size + queue.size >= maxPending) {
        skip("full");
        continue;
      }
      queue.set(hash, now);
    }
    wakeQueue?.();
  }

  function forget(resolutions: readonly PendingResolution[]) {
    for (const resolution of resolutions) {
      tracked.delete(resolution.hash);
      counts[resolution.status]++;
      metrics?.mempoolResolvedTotal.inc({ ...labels, outcome: resolution.status });
      if (resolution.status === "mined" && resolution.leadTimeMs !== null)
        metrics?.mempoolLeadTimeSeconds.observe(labels, resolution.leadTimeMs / 1000);
    }
    metrics?.mempoolPending.set(labels, tracked.size);
  }

  /** Fetches a batch, then hands the still-pending ones over and records them, under the lock. */
  async function handle(batch: [string, number][]) {
    const fetched = await Promise.all(
      batch.map(async ([hash, seenAtMs]) => {
        try {
          return { seenAtMs, tx: await rpc.transaction(hash) };
        } catch (error) {
          if (!abort.signal.aborted)
            log.warn({ hash, err: String(error).slice(0, 200) }, "pending transaction fetch failed");
          return { seenAtMs, tx: undefined };
        }
      }),
    );
    await exclusive(async () => {
      const fresh: { tx: PipelineTransaction; from: string; nonce: number; seenAtMs: number }[] = [];
      for (const { seenAtMs, tx } of fetched) {
        if (tx === undefined) {
          skip("failed");
          continue;
        }
        // null: replaced or evicted before we asked; a block number: mined before we asked.
        if (tx === null || tx.blockNumber !== null || recentlyMined.has(tx.hash.toLowerCase())) {
          skip("gone");
          continue;
        }
        const pending = toPendingTransaction(tx, chainId);
        fresh.push({ tx: pending, from: pending.from, nonce: Number(BigInt(tx.nonce)), seenAtMs });
      }
      if (fresh.length === 0) return;
      try {
        await deliverPending?.(fresh.map((entry) => entry.tx));
        await state.recordSeen(
          chainId,
          fresh.map(({ tx, from, nonce }) => ({ hash: tx.hash, from, nonce })),
        );
      } catch (error) {
        skip("failed", fresh.length);
        log.warn(
          { count: fresh.length, err: String(error).slice(0, 300) },
          "pending transactions not handed over",
        );
        return;
      }
      for (const { tx, from, nonce, seenAtMs } of fresh) tracked.set(tx.hash, { from, nonce, seenAtMs });
      counts.seen += fresh.length;
      metrics?.mempoolSeenTotal.inc(labels, fresh.length);
      metrics?.mempoolPending.set(labels, tracked.size);
    });
  }

  async function queueLoop() {
    while (!abort.signal.aborted) {
      if (queue.size === 0) {
        for (const resolve of drainWaiters) resolve();
        drainWaiters = [];
        await new Promise<void>((resolve) => {
          wakeQueue = resolve;
          abort.signal.addEventListener("abort", () => resolve(), { once: true });
        });
        wakeQueue = undefined;
        continue;
      }
      const batch = [...queue.entries()].slice(0, FETCH_BATCH);
      try {
        await handle(batch);
      } finally {
        for (const [hash] of batch) queue.delete(hash);
      }
    }
  }

  /** HTTP: eth_newPendingTransactionFilter polled; recreated when the node forgets it (a restart). */
  async function filterLoop() {
    let filterId: string | undefined;
    let failures = 0;
    while (!abort.signal.aborted) {
      if (options.hasPushSource && isPushConnected) {
        filterId = undefined; // a filter idle for minutes expires on most nodes: a fresh one after a gap
        await sleep(pollIntervalMs, abort.signal);
        continue;
      }
      try {
        filterId ??= await rpc.newPendingTransactionFilter();
        announce(await rpc.filterChanges(filterId));
        failures = 0;
      } catch (error) {
        if (abort.signal.aborted) break;
        failures++;
        filterId = undefined;
        if (failures === 1)
          log.warn({ err: String(error).slice(0, 300) }, "pending filter failed; recreating it");
      }
      await sleep(
        failures > 0 ? Math.min(30_000, pollIntervalMs * 2 ** failures) : pollIntervalMs,
        abort.signal,
      );
    }
  }

  async function dropLoop() {
    const everyMs = Math.max(50, Math.min(5_000, dropAfterMs / 4));
    while (!abort.signal.aborted) {
      await sleep(everyMs, abort.signal);
      if (abort.signal.aborted) break;
      try {
        forget(await state.dropOlderThan(chainId, dropAfterMs));
        // Rows the store never got (a failed write) leave memory by age too.
        const oldest = performance.now() - dropAfterMs * 2;
        for (const [hash, entry] of tracked) if (entry.seenAtMs < oldest) tracked.delete(hash);
      } catch (error) {
        log.warn({ err: String(error).slice(0, 300) }, "dropping stale pending transactions failed");
      }
    }
  }

  return {
    announce,
    setPushConnected(isConnected) {
      isPushConnected = isConnected;
    },
    exclusive,
    async reconcile(block) {
      for (const tx of block.transactions) {
        recentlyMined.add(tx.hash);
        queue.delete(tx.hash);
      }
      if (recentlyMined.size > RECENTLY_MINED_LIMIT) {
        const excess = recentlyMined.size - RECENTLY_MINED_LIMIT;
        let i = 0;
        for (const hash of recentlyMined) {
          if (i++ >= excess) break;
          recentlyMined.delete(hash);
        }
      }
      if (block.transactions.length === 0) return;
      const refs = block.transactions.flatMap((tx) => {
        if (typeof tx.nonce !== "string") return [];
        const seen = tracked.get(tx.hash);
        return [
          {
            hash: tx.hash,
            from: tx.from,
            nonce: Number(BigInt(tx.nonce)),
            ...(seen ? { leadTimeMs: Math.max(0, block.seenAtMs - seen.seenAtMs) } : {}),
          },
        ];
      });
      forget(await state.reconcileBlock(chainId, block.number, refs));
    },
    async start() {
      loops = [queueLoop(), filterLoop(), dropLoop()];
      for (const loop of loops)
        loop.catch((error: unknown) => log.error({ err: error }, "mempool watcher loop stopped"));
    },
    stop: once(async () => {
      abort.abort();
      wakeQueue?.();
      await Promise.allSettled(loops);
      for (const resolve of drainWaiters) resolve();
    }),
    status: () => ({ tracked: tracked.size, ...counts }),
    drained: () =>
      queue.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => drainWaiters.push(resolve)),
  };
}
