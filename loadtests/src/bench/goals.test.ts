import { describe, expect, it } from "vitest";
import { formatGoals, goalRows } from "./goals.ts";
import type { ThroughputResult, VariantResult } from "./http-throughput.ts";
import type { KafkaBenchResult, PipelineRun } from "./kafka-pipeline.ts";
import type { MixResult } from "./mix.ts";

const variant = (
  name: string,
  requestsPerSecond: number,
  transactionsPerSecond: number,
  ratioToCeiling: number,
  rssMiB = 0,
): VariantResult => ({
  name,
  requests: requestsPerSecond * 10,
  requestsPerSecond,
  transactionsPerSecond,
  ratioToCeiling,
  p50Ms: 1,
  p95Ms: 2,
  p99Ms: 3,
  maxMs: 4,
  non2xx: 0,
  errors: 0,
  bytesPerSecond: 0,
  durationSeconds: 10,
  serverPeakRssBytes: rssMiB * 2 ** 20,
  load: [1, 1, 1],
});

const http = (hitShare: number, scored: number, cached: number, rssMiB: number): ThroughputResult =>
  ({
    options: { batchSize: 1000 },
    variants: [
      variant("bare Express 5 (ceiling)", 20_000, 20_000, 1, 100),
      variant("predict, cache hit", 20_000 * hitShare, 20_000 * hitShare, hitShare, rssMiB),
      variant("batch of 1000, all scored (miss)", scored / 1000, scored, 0.01, rssMiB - 10),
      variant("batch of 1000, all cached (hit)", cached / 1000, cached, 0.01, rssMiB - 20),
    ],
  }) as unknown as ThroughputResult;

const mixResult = (
  rate: number | undefined,
  requestsPerSecond: number,
  p95Ms: number,
  non2xx = 0,
): MixResult => ({
  name: "mix",
  ...(rate === undefined ? {} : { offeredRate: rate }),
  requests: requestsPerSecond * 30,
  requestsPerSecond,
  p50Ms: 5,
  p95Ms,
  p99Ms: p95Ms * 2,
  maxMs: p95Ms * 3,
  correctedP99Ms: p95Ms * 2,
  non2xx,
  errors: 0,
  transactionsPerSecond: requestsPerSecond * 15,
  generatorCoreShare: 0.12,
  serverEndRssBytes: 250 * 2 ** 20,
  serverPeakRssBytes: 280 * 2 ** 20,
  load: [1, 1, 1],
});

const kafka = {
  runs: [
    { name: "consume only (no-op, commits)", transactionsPerSecond: 200_000 },
    {
      name: "scoring worker × 1",
      transactionsPerSecond: 6_000,
      cpuMicrosPerTransaction: 150,
      postgresMicrosPerTransaction: 40,
    },
  ] as PipelineRun[],
} as KafkaBenchResult;

describe("the performance issue's goals table", () => {
  it("gives every row of the issue with its share of the goal, costs and memory inverted", () => {
    const rows = goalRows({
      httpEmbedded: http(0.5, 10_000, 100_000, 700),
      httpServices: http(0.8, 25_000, 250_000, 300),
      kafka,
      mix: { paced: mixResult(1500, 1497, 120), unpaced: mixResult(undefined, 1800, 400) },
    });
    expect(
      rows.map((row) => [row.figure, row.ratio === undefined ? undefined : Number(row.ratio.toFixed(3))]),
    ).toEqual([
      ["Kafka pipeline, 1 worker, PostgreSQL storing every transaction", 0.2],
      ["  worker CPU per transaction", 0.167],
      ["  PostgreSQL CPU per transaction", 0.5],
      ["batch, all scored, PostgreSQL", 0.5],
      ["batch, all scored, embedded", 0.5],
      ["batch, all cached, PostgreSQL", 1.25],
      ["batch, all cached, embedded", 0.5],
      ["predict, cache hit, all middleware, PostgreSQL", 1.143],
      ["predict, cache hit, all middleware, embedded", 0.714],
      ["realistic mix, PostgreSQL + Redis (paced)", 0.998],
      // Unpaced over the latency bound: no share of the goal, only the figure.
      ["realistic mix, unpaced (the knee)", undefined],
      ["gateway RSS, PostgreSQL + Redis, after the mix", 1.2],
      ["gateway RSS, embedded, peak over the HTTP runs", 0.857],
    ]);
    expect(rows[7]?.now).toBe("16,000 req/s = 80 % of 20,000");
    expect(formatGoals(rows)).toContain("| 1.25 met");
  });

  it("gives a paced mix nothing when its p95 is over the bound or a request failed", () => {
    const slow = goalRows({
      mix: { paced: mixResult(1500, 1500, 250), unpaced: mixResult(undefined, 900, 100) },
    });
    const failing = goalRows({
      mix: { paced: mixResult(1500, 1500, 50, 3), unpaced: mixResult(undefined, 900, 100) },
    });
    expect(slow.find((row) => row.figure.includes("(paced)"))?.ratio).toBe(0);
    expect(failing.find((row) => row.figure.includes("(paced)"))?.ratio).toBe(0);
    expect(slow.find((row) => row.figure.includes("unpaced"))?.ratio).toBe(0.6);
  });

  it("says which figures were not run instead of leaving them out", () => {
    const rows = goalRows({});
    expect(rows.map((row) => row.now)).toEqual([
      "not run (--only kafka)",
      "not run (its HTTP run)",
      "not run (its HTTP run)",
      "not run (its HTTP run)",
      "not run (its HTTP run)",
      "not run (its HTTP run)",
      "not run (its HTTP run)",
      "not run (--only mix)",
      "not run (--only http)",
    ]);
  });
});
