import { describe, expect, it } from "vitest";
import { withTimeout } from "./with-timeout.ts";

describe("withTimeout", () => {
  it("answers with the work when it settles in time, its value or its error", async () => {
    await expect(withTimeout(Promise.resolve(7), 1_000, "slow")).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new Error("boom")), 1_000, "slow")).rejects.toThrow("boom");
  });

  it("rejects with the message once the bound passes", async () => {
    const never = new Promise<never>(() => {});
    await expect(withTimeout(never, 20, "kafka did not answer")).rejects.toThrow("kafka did not answer");
  });
});
