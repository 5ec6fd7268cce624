import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeWithServices } from "@chainwatch/testing";
import { expect, it } from "vitest";
import { runScenario } from "./artillery/run-scenario.ts";
import { runBench } from "./cli/bench.ts";

/*
 * Smoke runs of every harness, seconds each, so they cannot rot. They check that the harness works and
 * produces numbers; they assert nothing about speed (that is measured by `pnpm bench` and
 * `pnpm loadtest`, on a quiet machine, and published in docs/benchmarks.md).
 */
const resultsDir = mkdtempSync(join(tmpdir(), "chainwatch-loadtests-"));

await describeWithServices(
  "load test and benchmark harnesses (smoke)",
  ["kafka", "postgres", "redis"],
  () => {
    it("runs an artillery scenario against a gateway it starts, with checks, cache hit rate and RSS", async () => {
      const result = await runScenario("smoke", { resultsDir, echo: false });
      expect(result.summary.requests).toBeGreaterThan(20);
      expect(result.summary.codes["200"]).toBe(result.summary.requests);
      expect(Number.isFinite(result.summary.p95Ms)).toBe(true);
      expect(Object.keys(result.summary.endpoints)).toEqual(
        expect.arrayContaining(["/api/v1/predict", "/api/v1/batch/predict", "/api/v1/anomalies", "/health"]),
      );
      // ensure ran (the plugin must be enabled for checks to run at all) and passed.
      expect(result.checks.length).toBeGreaterThan(0);
      expect(result.checks.every((check) => check.trim().startsWith("ok:"))).toBe(true);
      // the smoke scenario repeats hashes, so a working hit-rate reading is above zero
      expect(result.cacheHitRate).toBeGreaterThan(0);
      expect(result.gatewayPeakRssBytes).toBeGreaterThan(0);
      expect(result.gatewaySurvived).toBe(true);
      expect(result.passed).toBe(true);
    }, 180_000);

    it("runs the HTTP throughput harness on both stacks, the realistic mix and the Kafka pipeline benchmark end to end, then the goals table", async () => {
      const lines: string[] = [];
      const { http, httpServices, mix, kafka, goals } = await runBench({ smoke: true }, (line) =>
        lines.push(line),
      );
      expect(http?.variants.map((variant) => variant.name)).toEqual([
        "bare Express 5 (ceiling)",
        "predict, cache hit",
        "predict, cache miss",
        "batch of 100, all scored (miss)",
        "batch of 100, all cached (hit)",
        "batch of 100, all cached, explanations=false",
      ]);
      for (const variant of http?.variants ?? []) {
        expect(variant.requests).toBeGreaterThan(0);
        expect(variant.non2xx + variant.errors).toBe(0);
        expect(variant.ratioToCeiling).toBeGreaterThan(0);
        expect(Number.isFinite(variant.p99Ms)).toBe(true);
      }
      expect(http?.gzip?.reduction).toBeGreaterThan(0.5);
      expect(httpServices?.variants.map((variant) => variant.name)).toEqual(
        http?.variants.map((variant) => variant.name),
      );
      for (const variant of httpServices?.variants ?? []) {
        expect(variant.requests).toBeGreaterThan(0);
        expect(variant.non2xx + variant.errors).toBe(0);
      }
      for (const run of [mix?.paced, mix?.unpaced]) {
        expect(run?.requests).toBeGreaterThan(0);
        expect(run?.non2xx).toBe(0);
        expect(run?.errors).toBe(0);
        expect(run?.transactionsPerSecond).toBeGreaterThan(0);
        expect(run?.generatorCoreShare).toBeGreaterThan(0);
      }
      // Every row of the table is measured by the default run: none says "not run".
      expect(goals?.length).toBe(13);
      expect(goals?.filter((row) => row.now.startsWith("not run"))).toEqual([]);
      expect(kafka?.runs.map((run) => run.name)).toEqual([
        "consume only (no-op, commits)",
        "scoring worker × 1",
      ]);
      const worker = kafka?.runs[1];
      expect(worker?.transactionsPerSecond).toBeGreaterThan(0);
      expect(worker?.ratioToCeiling).toBeGreaterThan(0);
      expect(worker?.scoresPublished).toBeGreaterThanOrEqual(
        kafka?.publish.messages ?? Number.POSITIVE_INFINITY,
      );
      expect(worker?.peakRssBytes[0]).toBeGreaterThan(0);
      expect(lines.some((line) => line.includes("% of ceiling"))).toBe(true);
    }, 420_000);
  },
);

await describeWithServices("address context benchmarks (smoke)", ["kafka", "postgres", "redis"], () => {
  it("measures context's cost per transaction for every variant and batch size, against no context in the same run", async () => {
    const { context } = await runBench({ smoke: true, only: "context" }, () => {});
    expect(context?.rows.map((row) => `${row.batchSize}:${row.variant}`)).toEqual([
      "1:none",
      "1:memory",
      "1:redis",
      "100:none",
      "100:memory",
      "100:redis",
      "500:none",
      "500:memory",
      "500:redis",
    ]);
    for (const row of context?.rows ?? []) {
      expect(row.microsPerTransaction).toBeGreaterThan(0);
      // Redis: one script per batch, and a second only in a batch where an incident opens (docs/model.md).
      if (row.variant === "redis") {
        expect(row.roundTripsPerBatch).toBeGreaterThanOrEqual(1);
        expect(row.roundTripsPerBatch).toBeLessThanOrEqual(2);
      } else {
        expect(row.roundTripsPerBatch).toBe(0);
      }
      if (row.variant === "none") expect(row.ratioToNone).toBe(1);
    }
  }, 120_000);

  it("runs the Kafka pipeline with context off and on (Redis), in turns", async () => {
    const { kafkaContext } = await runBench({ smoke: true, only: "kafka-context" }, () => {});
    expect(kafkaContext?.runs.map((run) => run.name)).toEqual([
      "consume only (no-op, commits)",
      "worker × 1, CONTEXT_ENABLED=false, Redis cache (1)",
      "worker × 1, context on, Redis (default) (1)",
    ]);
    for (const run of kafkaContext?.runs.slice(1) ?? []) {
      expect(run.scoresPublished).toBeGreaterThanOrEqual(
        kafkaContext?.publish.messages ?? Number.POSITIVE_INFINITY,
      );
      expect(run.redisCpuSeconds).toBeGreaterThanOrEqual(0);
    }
  }, 180_000);
});
