import { describe, expect, it } from "vitest";
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
    const controller = new AbortController();
    const startedAt = Date.now();
    setTimeout(() => controller.abort(), 50);
    const error = await retryWithBackoff(
      async () => {
        throw new Error("store down");
      },
      { initialDelayMs: 10_000, signal: controller.signal },
    ).catch((caught: unknown) => caught);
    expect(isRetryAbortedError(error)).toBe(true);
    expect((error as Error).cause).toMatchObject({ message: "store down" });
    expect(Date.now() - startedAt).toBeLessThan(2_000);
  });
});
