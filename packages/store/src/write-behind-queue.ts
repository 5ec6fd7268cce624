import type { Logger } from "@chainwatch/service-kit";

/** Injected counters, so the queue needs no metrics library and tests can read them directly. */
export interface WriteBehindQueueMetrics {
  /** Items waiting, after every change. */
  depth(items: number): void;
  /** Items given up on: refused because the queue was full, or left unwritten at stop. */
  dropped(items: number): void;
  written(items: number): void;
  failures(): void;
}

export interface WriteBehindQueueOptions<T> {
  /** Writes one batch; must be idempotent, because a batch that failed part-way is written again. */
  write: (batch: T[]) => Promise<void>;
  logger: Logger;
  /** Items held in memory before new ones are dropped; 50 000 scored records ≈ tens of MB. */
  maxQueueSize?: number;
  /** Items per write; 500 rows per multi-row insert keeps a statement well under a second. */
  batchSize?: number;
  /** How long a partial batch waits for company before it is written anyway. */
  flushIntervalMs?: number;
  /** Backoff after a failed write: doubles from initialDelayMs up to maxDelayMs. */
  retry?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Upper bound on stop(): flushing gives up after this, so shutdown stays within its grace period. */
  stopTimeoutMs?: number;
  /** Consecutive failed writes after which isHealthy() turns false. */
  unhealthyAfterFailures?: number;
  /** Errors retrying cannot fix (bad data): the batch is discarded and counted as dropped. */
  isPermanentFailure?: (error: unknown) => boolean;
  metrics?: WriteBehindQueueMetrics;
}

export interface WriteBehindQueue<T> {
  /**
   * Never waits: accepts what fits and drops the rest. `reserved`: the room `reserve` set aside for these
   * items, given back first (pass it even when `items` is empty).
   */
  enqueue(items: T[], reserved?: number): { accepted: number; dropped: number };
  /**
   * Sets room aside for items that will be enqueued later (a caller that must refuse work it could not
   * store, rather than accept it and drop its records). False, and nothing reserved, when the queue has no
   * such room; a count above the queue's size reserves the whole queue once it is empty.
   */
  reserve(count: number): boolean;
  /** Gives back room reserved for items that will not come (the work failed). */
  release(count: number): void;
  depth(): number;
  start(): void;
  /** Flushes what it can within stopTimeoutMs; idempotent. */
  stop(): Promise<void>;
  /** False while writes keep failing or the queue is full. */
  isHealthy(): boolean;
  /** True from a failed write until the next one succeeds: the store is down or refusing, not just behind. */
  isFailing(): boolean;
}

const noMetrics: WriteBehindQueueMetrics = { depth() {}, dropped() {}, written() {}, failures() {} };

/**
 * Takes database writes off the request path: scoring answers at once and the store catches up in batches.
 *
 * The queue is memory only. If the process dies with items queued, those items are lost: the predictions
 * were returned to callers but never stored. Bounds on that loss: stop() flushes on SIGTERM, so only a crash
 * or a kill -9 loses data; the Kafka path commits offsets only after its writes are durable, so it replays
 * instead of losing; and when the database is down the queue fills to maxQueueSize and then drops, counted,
 * rather than growing until the process runs out of memory. See docs/decisions/0003-write-behind-store.md.
 *
 * One batch is written at a time, oldest first. A failed batch stays at the head and is retried with
 * backoff, so nothing is lost while the queue has room and ordering holds; the writer's idempotence makes a
 * retry of a batch that actually committed harmless.
 */
export function createWriteBehindQueue<T>(options: WriteBehindQueueOptions<T>): WriteBehindQueue<T> {
  const maxQueueSize = options.maxQueueSize ?? 50_000;
  const batchSize = options.batchSize ?? 500;
  const flushIntervalMs = options.flushIntervalMs ?? 200;
  const initialDelayMs = options.retry?.initialDelayMs ?? 100;
  const maxDelayMs = options.retry?.maxDelayMs ?? 5_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 5_000;
  const unhealthyAfterFailures = options.unhealthyAfterFailures ?? 3;
  const isPermanentFailure = options.isPermanentFailure ?? (() => false);
  const metrics = options.metrics ?? noMetrics;
  const log = options.logger.child({ component: "write-behind-queue" });

  const items: T[] = [];
  /** Room promised by reserve() and not yet used by enqueue() or given back. */
  let reserved = 0;
  let consecutiveFailures = 0;
  let isStarted = false;
  let isStopping = false;
  let loop: Promise<void> | undefined;
  let stopPromise: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;
  /** Whether enqueue may end the current sleep: yes while waiting for a batch, not during backoff. */
  let isWaitingForItems = false;

  const sleep = (ms: number, isInterruptibleByItems: boolean) =>
    new Promise<void>((resolve) => {
      // Unref'd: a pending flush alone does not keep the process alive; stop() is what flushes.
      const timer = setTimeout(finish, ms).unref();
      isWaitingForItems = isInterruptibleByItems;
      wakeUp = finish;
      function finish() {
        clearTimeout(timer);
        wakeUp = undefined;
        isWaitingForItems = false;
        resolve();
      }
    });

  const backoffMs = () => Math.min(maxDelayMs, initialDelayMs * 2 ** Math.max(0, consecutiveFailures - 1));

  /** Writes the head batch; true when the queue may move on (written or discarded), false to back off. */
  async function writeHead(): Promise<boolean> {
    const batch = items.slice(0, batchSize);
    if (batch.length === 0) return true;
    try {
      await options.write(batch);
      // Only the head is removed: enqueue appends behind it while the write is in flight.
      items.splice(0, batch.length);
      consecutiveFailures = 0;
      metrics.written(batch.length);
      metrics.depth(items.length);
      return true;
    } catch (error) {
      metrics.failures();
      if (isPermanentFailure(error)) {
        items.splice(0, batch.length);
        metrics.dropped(batch.length);
        metrics.depth(items.length);
        log.error({ err: error, items: batch.length }, "write-behind batch rejected, discarded");
        return true;
      }
      consecutiveFailures += 1;
      log.warn(
        { err: error, items: batch.length, attempt: consecutiveFailures, retryInMs: backoffMs() },
        "write-behind batch failed, will retry",
      );
      return false;
    }
  }

  async function run(): Promise<void> {
    while (!isStopping) {
      // After a failure the head batch is retried as soon as the backoff ends, not a flush interval later.
      if (items.length < batchSize && consecutiveFailures === 0) await sleep(flushIntervalMs, true);
      if (isStopping) return;
      if (!(await writeHead()) && !isStopping) await sleep(backoffMs(), false);
    }
  }

  async function drain(): Promise<void> {
    const deadline = Date.now() + stopTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), stopTimeoutMs);
    });
    try {
      // A write in flight when stop() was called finishes (or times out) before draining starts.
      if ((await Promise.race([loop ?? Promise.resolve(), timeout])) === "timeout") return;
      while (items.length > 0 && Date.now() < deadline) {
        const outcome = await Promise.race([writeHead(), timeout]);
        if (outcome === "timeout") return;
        if (!outcome) {
          const pause = Math.min(backoffMs(), deadline - Date.now());
          if ((await Promise.race([sleep(pause, false).then(() => "slept" as const), timeout])) === "timeout")
            return;
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    enqueue(batch, reservedForBatch = 0) {
      reserved -= Math.min(reserved, Math.min(reservedForBatch, maxQueueSize));
      if (isStopping) {
        metrics.dropped(batch.length);
        return { accepted: 0, dropped: batch.length };
      }
      const accepted = Math.max(0, Math.min(batch.length, maxQueueSize - items.length - reserved));
      for (let index = 0; index < accepted; index += 1) items.push(batch[index] as T);
      const dropped = batch.length - accepted;
      if (dropped > 0) metrics.dropped(dropped);
      metrics.depth(items.length);
      if (items.length >= batchSize && isWaitingForItems) wakeUp?.();
      return { accepted, dropped };
    },
    reserve(count) {
      const needed = Math.min(count, maxQueueSize);
      if (isStopping || items.length + reserved + needed > maxQueueSize) return false;
      reserved += needed;
      return true;
    },
    release(count) {
      reserved -= Math.min(reserved, Math.min(count, maxQueueSize));
    },
    depth: () => items.length,
    start() {
      if (isStarted || isStopping) return;
      isStarted = true;
      loop = run();
    },
    stop() {
      stopPromise ??= (async () => {
        isStopping = true;
        wakeUp?.();
        await drain();
        wakeUp?.();
        if (items.length > 0) {
          log.error(
            { items: items.length },
            "write-behind queue stopped with unwritten items; they are lost",
          );
          metrics.dropped(items.length);
        } else {
          log.info("write-behind queue flushed");
        }
      })();
      return stopPromise;
    },
    isHealthy: () => consecutiveFailures < unhealthyAfterFailures && items.length < maxQueueSize,
    isFailing: () => consecutiveFailures > 0,
  };
}
