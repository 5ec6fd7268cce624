import { ChainwatchError } from "./errors.ts";

export interface RetryOptions {
  /** First wait; doubles each attempt up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Give up after this many attempts in total and rethrow the last error; unset → retry until aborted. */
  maxAttempts?: number;
  /** Aborting stops the waiting and the retrying: the call rejects with RetryAbortedError. */
  signal?: AbortSignal;
  /** false → rethrow at once (the error cannot succeed on retry). */
  isRetriable?: (error: unknown) => boolean;
  /** Called before each wait, e.g. to log, count, or heartbeat. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void | Promise<void>;
}

/** The operation kept failing and the caller gave up on it (shutdown, lost ownership); `cause` is the last failure. */
export class RetryAbortedError extends ChainwatchError {
  constructor(cause: unknown) {
    super("RETRY_ABORTED", "retrying was aborted", { cause });
  }
}

export function isRetryAbortedError(error: unknown): error is RetryAbortedError {
  return error instanceof RetryAbortedError;
}

/** Resolves after `ms`, or early (without rejecting) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Runs `operation` until it succeeds, waiting with exponential backoff and ±20 % jitter between attempts
 * (100 ms doubling to 5 s by default), so replicas hitting the same outage do not retry in lockstep.
 */
export async function retryWithBackoff<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const initialDelayMs = options.initialDelayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw new RetryAbortedError(options.signal.reason);
    try {
      return await operation(attempt);
    } catch (error) {
      if (options.isRetriable && !options.isRetriable(error)) throw error;
      if (options.maxAttempts !== undefined && attempt >= options.maxAttempts) throw error;
      if (options.signal?.aborted) throw new RetryAbortedError(error);
      const base = Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(base * (0.8 + Math.random() * 0.4));
      await options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs, options.signal);
      if (options.signal?.aborted) throw new RetryAbortedError(error);
    }
  }
}
