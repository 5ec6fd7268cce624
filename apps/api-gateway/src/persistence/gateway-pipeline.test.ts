import { describe, expect, it } from "vitest";
import { defaultWriteQueueMax, writeBehindStopBudgetMs, writeQueueBound } from "./gateway-pipeline.ts";

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

describe("the write-behind queue's bound", () => {
  const MiB = 2 ** 20;
  it("is DB_WRITE_QUEUE_MAX while a quarter of the heap limit holds that many records of 4 KiB", () => {
    expect(writeQueueBound(50_000, 4_144 * MiB)).toBe(50_000);
    expect(writeQueueBound(50_000, 800 * MiB)).toBe(50_000);
  });

  it("is lowered to what a quarter of a small heap holds, so a full queue cannot exhaust it", () => {
    // 256 MiB / 4 / 4 KiB = 16,384 records (about 64 MiB of the heap).
    expect(writeQueueBound(50_000, 256 * MiB)).toBe(16_384);
    expect(writeQueueBound(50_000, 128 * MiB)).toBe(8_192);
    expect(writeQueueBound(10_000, 256 * MiB)).toBe(10_000);
    expect(writeQueueBound(50_000, 1_000)).toBe(1);
  });
});

describe("the write-behind queue's default size", () => {
  it("is 50,000 records before PostgreSQL and 10,000 before the embedded PGlite", () => {
    expect(defaultWriteQueueMax({ DATABASE_URL: "postgres://db/chainwatch" })).toBe(50_000);
    expect(defaultWriteQueueMax({ DATABASE_URL: undefined })).toBe(10_000);
  });
});
