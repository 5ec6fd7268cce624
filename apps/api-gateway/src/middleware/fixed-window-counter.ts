/** Hits of one client in the current window, and when that window ends (epoch ms). */
export interface WindowCount {
  totalHits: number;
  resetAtMs: number;
}

/**
 * Per-process fixed windows for the rate limiter, synchronous so a counted request costs no promise.
 * Same scheme as express-rate-limit's MemoryStore (which this replaced on the request path): a client's
 * window starts at its first hit; clients idle for a whole window are dropped in bulk by swapping two
 * maps once per window, never by scanning.
 */
export function createFixedWindowCounter(windowMs: number, now: () => number = Date.now) {
  let current = new Map<string, WindowCount>();
  let previous = new Map<string, WindowCount>();
  const rotation = setInterval(() => {
    previous = current;
    current = new Map();
  }, windowMs);
  rotation.unref();

  return {
    /** Counts one hit for `key` and returns its window (the same object on every call; read it at once). */
    increment(key: string): WindowCount {
      const nowMs = now();
      let count = current.get(key);
      if (count === undefined) {
        count = previous.get(key) ?? { totalHits: 0, resetAtMs: nowMs + windowMs };
        previous.delete(key);
        current.set(key, count);
      }
      if (count.resetAtMs <= nowMs) {
        count.totalHits = 0;
        count.resetAtMs = nowMs + windowMs;
      }
      count.totalHits += 1;
      return count;
    },
    stop(): void {
      clearInterval(rotation);
    },
  };
}
