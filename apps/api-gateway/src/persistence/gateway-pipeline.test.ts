import { describe, expect, it } from "vitest";
import { writeBehindStopBudgetMs } from "./gateway-pipeline.ts";

describe("the write-behind flush's share of the shutdown budget", () => {
  it("is what the budget leaves after the HTTP drain and 2 s for closing clients, at least 1 s", () => {
    expect(writeBehindStopBudgetMs({ SHUTDOWN_TIMEOUT_MS: 25_000, HTTP_DRAIN_TIMEOUT_MS: 10_000 })).toBe(
      13_000,
    );
    expect(writeBehindStopBudgetMs({ SHUTDOWN_TIMEOUT_MS: 60_000, HTTP_DRAIN_TIMEOUT_MS: 5_000 })).toBe(
      53_000,
    );
    expect(writeBehindStopBudgetMs({ SHUTDOWN_TIMEOUT_MS: 12_000, HTTP_DRAIN_TIMEOUT_MS: 10_000 })).toBe(
      1_000,
    );
  });
});
