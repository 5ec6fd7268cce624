import { describe, expect, it, vi } from "vitest";
import { isRetryAbortedError, retryWithBackoff } from "./retry.ts";

describe("retryWithBackoff", () => {
  it("retries until the operation succeeds, reporting each failure", async () => {
    const seen: number[] = [];
    const result = await retryWithBackoff(
      async (attempt) => {
        if (attempt < 3) throw new Error(`fail ${attempt}`);
        return attempt;
      },
      { initialDelayMs: 1, onRetry: (_error, attempt) => void seen.push(attempt) },
    );
    expect(result).toBe(3);
    expect(seen).toEqual([1, 2]);
  });

  it("gives up after maxAttempts with the last error, and at once for a non-retriable error", async () => {
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error(`fail ${calls}`);
    };
    await expect(retryWithBackoff(failing, { initialDelayMs: 1, maxAttempts: 3 })).rejects.toThrow("fail 3");
    calls = 0;
    await expect(retryWithBackoff(failing, { isRetriable: () => false })).rejects.toThrow("fail 1");
  });

  it("stops waiting when aborted and rejects with RetryAbortedError carrying the last failure", async () => {
    // Fake timers: time never moves here, so settling proves the abort ended the 10 s wait (no stopwatch).
    vi.useFakeTimers();
    try {
      const controller = new AbortController();
      let failures = 0;
      let settled: unknown = "pending";
      void retryWithBackoff(
        async () => {
          failures++;
          throw new Error("store down");
        },
        { initialDelayMs: 10_000, signal: controller.signal },
      ).catch((caught: unknown) => {
        settled = caught;
      });
      // The first attempt failed and the retry is waiting out its delay: the state the abort must end.
      await vi.advanceTimersByTimeAsync(0);
      expect(failures).toBe(1);
      expect(settled).toBe("pending");
      controller.abort();
      await vi.advanceTimersByTimeAsync(0);
      expect(failures).toBe(1);
      expect(isRetryAbortedError(settled)).toBe(true);
      expect((settled as Error).cause).toMatchObject({ message: "store down" });
    } finally {
      vi.useRealTimers();
    }
  });
});
