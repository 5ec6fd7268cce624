import { createLogger } from "@chainwatch/service-kit";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createWriteBehindQueue, type WriteBehindQueueOptions } from "./write-behind-queue.ts";

const logger = createLogger({ name: "test", level: "silent" });

function recordingMetrics() {
  const seen = { depth: [] as number[], dropped: 0, written: 0, failures: 0 };
  return {
    seen,
    metrics: {
      depth: (n: number) => seen.depth.push(n),
      dropped: (n: number) => {
        seen.dropped += n;
      },
      written: (n: number) => {
        seen.written += n;
      },
      failures: () => {
        seen.failures += 1;
      },
    },
  };
}

/** A writer that stores batches and fails while `failuresLeft` > 0 (or forever with Infinity). */
function fakeWriter() {
  const state = { batches: [] as number[][], attempts: 0, failuresLeft: 0, attemptTimes: [] as number[] };
  const write = async (batch: number[]) => {
    state.attempts += 1;
    state.attemptTimes.push(Date.now());
    if (state.failuresLeft > 0) {
      state.failuresLeft -= 1;
      throw new Error("database unavailable");
    }
    state.batches.push([...batch]);
  };
  return { state, write };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, index) => from + index);
}

function queueOf(
  write: (batch: number[]) => Promise<void>,
  options: Partial<WriteBehindQueueOptions<number>> = {},
) {
  return createWriteBehindQueue<number>({
    write,
    logger,
    batchSize: 3,
    flushIntervalMs: 10,
    retry: { initialDelayMs: 5, maxDelayMs: 20 },
    ...options,
  });
}

describe("write-behind queue", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("writes in batches of batchSize, oldest first, and flushes a partial batch after the interval", async () => {
    const { state, write } = fakeWriter();
    const { seen, metrics } = recordingMetrics();
    const queue = queueOf(write, { metrics });
    queue.start();
    expect(queue.enqueue(range(0, 7))).toEqual({ accepted: 7, dropped: 0 });
    await vi.waitFor(() => expect(queue.depth()).toBe(0));
    expect(state.batches).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(seen.written).toBe(7);
    expect(seen.depth.at(0)).toBe(7);
    expect(seen.depth.at(-1)).toBe(0);
    await queue.stop();
  });

  it("never waits on the writer, and drops new items past maxQueueSize, counted", async () => {
    const { seen, metrics } = recordingMetrics();
    let writes = 0;
    const stuckWriter = () => {
      writes += 1;
      return new Promise<void>(() => {});
    };
    const queue = queueOf(stuckWriter, { maxQueueSize: 5, metrics, stopTimeoutMs: 50 });
    queue.start();
    expect(queue.enqueue(range(0, 4))).toEqual({ accepted: 4, dropped: 0 });
    // A write is in flight and never returns: the state in which enqueue must not wait.
    await vi.waitFor(() => expect(writes).toBe(1));
    // Synchronous answers (plain objects, not promises): enqueue cannot wait on the writer.
    const results = [queue.enqueue(range(4, 8)), queue.enqueue([9])];
    expect(results.some((result) => result instanceof Promise)).toBe(false);
    expect(results).toEqual([
      { accepted: 1, dropped: 3 },
      { accepted: 0, dropped: 1 },
    ]);
    expect(queue.depth()).toBe(5);
    expect(seen.dropped).toBe(4);
    expect(queue.isHealthy()).toBe(false);
    await queue.stop();
  });

  it("reserves room for items still to come: others cannot take it, and a reservation that does not fit is refused", async () => {
    const { seen, metrics } = recordingMetrics();
    const stuckWriter = () => new Promise<void>(() => {});
    const queue = queueOf(stuckWriter, { maxQueueSize: 10, metrics, stopTimeoutMs: 50 });
    queue.start();
    expect(queue.enqueue(range(0, 4))).toEqual({ accepted: 4, dropped: 0 });
    expect(queue.reserve(5)).toBe(true);
    // 4 queued + 5 promised: one place left.
    expect(queue.reserve(2)).toBe(false);
    expect(queue.reserve(1)).toBe(true);
    // An enqueue without a reservation finds no room: the promised places are not its to take.
    expect(queue.enqueue([100])).toEqual({ accepted: 0, dropped: 1 });
    // The reserving callers come back with fewer items than they reserved; the rest of their room is freed.
    expect(queue.enqueue([10, 11, 12], 5)).toEqual({ accepted: 3, dropped: 0 });
    expect(queue.enqueue([], 1)).toEqual({ accepted: 0, dropped: 0 });
    expect(queue.depth()).toBe(7);
    expect(queue.reserve(3)).toBe(true);
    queue.release(3);
    expect(queue.reserve(3)).toBe(true);
    expect(queue.reserve(1)).toBe(false);
    expect(seen.dropped).toBe(1);
    await queue.stop();
  });

  it("lets one reservation larger than the whole queue through once the queue is empty", async () => {
    const { write } = fakeWriter();
    const queue = queueOf(write, { maxQueueSize: 4 });
    expect(queue.reserve(6)).toBe(true);
    expect(queue.reserve(1)).toBe(false);
    expect(queue.enqueue(range(0, 6), 6)).toEqual({ accepted: 4, dropped: 2 });
    await queue.stop();
  });

  it("keeps a failed batch at the head and retries it: nothing lost, nothing written twice, order kept", async () => {
    const { state, write } = fakeWriter();
    const { seen, metrics } = recordingMetrics();
    state.failuresLeft = Number.POSITIVE_INFINITY;
    const queue = queueOf(write, { metrics, unhealthyAfterFailures: 2 });
    queue.start();
    queue.enqueue(range(0, 4));
    await vi.waitFor(() => expect(queue.isHealthy()).toBe(false));
    queue.enqueue(range(4, 8));
    expect(queue.depth()).toBe(8);
    state.failuresLeft = 0;
    await vi.waitFor(() => expect(queue.depth()).toBe(0));
    expect(state.batches).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7],
    ]);
    expect(seen.failures).toBeGreaterThanOrEqual(2);
    expect(seen.written).toBe(8);
    expect(seen.dropped).toBe(0);
    expect(queue.isHealthy()).toBe(true);
    await queue.stop();
  });

  it("backs off exponentially between retries, up to the cap", async () => {
    vi.useFakeTimers({ now: 0 });
    const { state, write } = fakeWriter();
    state.failuresLeft = 6;
    const queue = queueOf(write, { retry: { initialDelayMs: 100, maxDelayMs: 500 }, flushIntervalMs: 10 });
    queue.start();
    queue.enqueue(range(0, 3));
    await vi.advanceTimersByTimeAsync(5_000);
    const gaps = state.attemptTimes.slice(1).map((time, index) => time - (state.attemptTimes[index] ?? 0));
    expect(gaps.slice(0, 6)).toEqual([100, 200, 400, 500, 500, 500]);
    expect(state.batches).toEqual([[0, 1, 2]]);
    const stopped = queue.stop();
    await vi.advanceTimersByTimeAsync(100);
    await stopped;
  });

  it("discards a batch the writer rejects permanently and moves on", async () => {
    const { seen, metrics } = recordingMetrics();
    const written: number[][] = [];
    const queue = queueOf(
      async (batch) => {
        if (batch.includes(1)) throw new Error("invalid record");
        written.push(batch);
      },
      {
        metrics,
        isPermanentFailure: (error) => error instanceof Error && error.message === "invalid record",
      },
    );
    queue.start();
    queue.enqueue(range(0, 6));
    await vi.waitFor(() => expect(queue.depth()).toBe(0));
    expect(written).toEqual([[3, 4, 5]]);
    expect(seen.dropped).toBe(3);
    await queue.stop();
  });

  it("stop() flushes what is queued at once, is idempotent, and refuses items afterwards", async () => {
    const { state, write } = fakeWriter();
    const queue = queueOf(write, { flushIntervalMs: 60_000 });
    queue.start();
    queue.enqueue(range(0, 2));
    const first = queue.stop();
    expect(queue.stop()).toBe(first);
    await first;
    expect(state.batches).toEqual([[0, 1]]);
    expect(queue.enqueue([3])).toEqual({ accepted: 0, dropped: 1 });
  });

  it("stop() flushes even if the queue was never started", async () => {
    const { state, write } = fakeWriter();
    const queue = queueOf(write);
    queue.enqueue(range(0, 5));
    await queue.stop();
    expect(state.batches.flat()).toEqual(range(0, 5));
  });

  it("stop() gives up after stopTimeoutMs while the writer keeps failing, and counts the loss", async () => {
    const { state, write } = fakeWriter();
    const { seen, metrics } = recordingMetrics();
    state.failuresLeft = Number.POSITIVE_INFINITY;
    // Fake timers: the bound is checked exactly (not before 150 ms, at 150 ms), not with a wall clock.
    vi.useFakeTimers({ now: 0 });
    const queue = queueOf(write, { metrics, stopTimeoutMs: 150 });
    queue.start();
    queue.enqueue(range(0, 5));
    let isStopped = false;
    const stopping = queue.stop().then(() => {
      isStopped = true;
    });
    await vi.advanceTimersByTimeAsync(149);
    expect(isStopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await stopping;
    expect(state.attempts).toBeGreaterThan(1);
    expect(seen.dropped).toBe(5);
  });

  it("stop() does not hang on a write that never returns", async () => {
    vi.useFakeTimers({ now: 0 });
    let writes = 0;
    const queue = queueOf(
      () => {
        writes += 1;
        return new Promise<void>(() => {});
      },
      { stopTimeoutMs: 100 },
    );
    queue.start();
    queue.enqueue(range(0, 3));
    // The write is in flight (after the 10 ms flush interval) and never returns.
    await vi.advanceTimersByTimeAsync(10);
    expect(writes).toBe(1);
    expect(queue.depth()).toBe(3);
    let isStopped = false;
    const stopping = queue.stop().then(() => {
      isStopped = true;
    });
    await vi.advanceTimersByTimeAsync(99);
    expect(isStopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await stopping;
  });
});
