export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
}

/**
 * Wait before try `attempt + 1` (attempt counts from 1): the exponential ceiling min(max, initial·2^(n−1)),
 * with "equal jitter" (half fixed, half random) so receivers coming back are not hit by every queued
 * delivery at the same instant, while a wait never drops below half its ceiling.
 */
export function retryDelayMs(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** exponent);
  return ceiling / 2 + random() * (ceiling / 2);
}
