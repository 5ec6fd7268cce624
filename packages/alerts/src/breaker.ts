/**
 * A circuit breaker per destination and dispatcher. `failureThreshold` consecutive failures open it for
 * `openMs`: deliveries to that destination are put back without an attempt (they do not age towards dead
 * faster, and the receiver is not hammered while down). Then one trial goes through (half-open): success
 * closes it, failure opens it again.
 */
export type BreakerState = "closed" | "open" | "half-open";

export interface BreakerOptions {
  failureThreshold: number;
  openMs: number;
  now?: () => number;
}

export interface CircuitBreaker {
  /** Whether a delivery may start now; in half-open, true for the one trial only. */
  tryAcquire(): boolean;
  /** Milliseconds until the breaker lets a trial through (0 when closed). */
  retryInMs(): number;
  onSuccess(): void;
  onFailure(): void;
  /** The acquired delivery was not attempted (rate cap, shutdown): a half-open trial is free again. */
  abandon(): void;
  state(): BreakerState;
}

export function createCircuitBreaker(options: BreakerOptions): CircuitBreaker {
  const now = options.now ?? Date.now;
  let failures = 0;
  let openedAt: number | undefined;
  let isTrialRunning = false;

  const state = (): BreakerState => {
    if (openedAt === undefined) return "closed";
    return now() - openedAt >= options.openMs ? "half-open" : "open";
  };

  return {
    state,
    tryAcquire() {
      const current = state();
      if (current === "closed") return true;
      if (current === "open" || isTrialRunning) return false;
      isTrialRunning = true;
      return true;
    },
    retryInMs() {
      if (openedAt === undefined) return 0;
      return Math.max(0, openedAt + options.openMs - now());
    },
    onSuccess() {
      failures = 0;
      openedAt = undefined;
      isTrialRunning = false;
    },
    abandon() {
      isTrialRunning = false;
    },
    onFailure() {
      failures += 1;
      if (isTrialRunning || failures >= options.failureThreshold) openedAt = now();
      isTrialRunning = false;
    },
  };
}
