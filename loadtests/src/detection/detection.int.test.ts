import { describeWithServices, serviceUrls } from "@chainwatch/testing";
import { Redis } from "ioredis";
import { expect, it } from "vitest";
import { ANOMALY_KINDS } from "./contextual-traffic.ts";
import type { GatewayVariant } from "./gateway-run.ts";
import type { DetectionMetrics } from "./metrics.ts";
import { type DetectionBenchResult, runDetectionBench } from "./run-benchmark.ts";

/*
 * The contextual-detection runner end to end on a small day (300 addresses, 3 hours, ~1,500
 * transactions): it checks that the harness works — every transaction ingested and read back, metrics
 * computed and finite — and asserts nothing about detection quality, which is what `pnpm bench:detection`
 * measures (docs/model.md, "Contextual benchmark"). For embedded+baseline, that the auto-baseline policy
 * answered each step (trained, then a decision with its gates) and that what serves afterwards follows
 * the decision; not which decision.
 */
const run = (variant: GatewayVariant, lines: string[]) =>
  runDetectionBench(
    {
      style: "default",
      hours: 3,
      addresses: 300,
      variants: [variant],
      batchSize: 200,
      redisUrl: serviceUrls.redisUrl,
    },
    (line) => lines.push(line),
  );

function expectMeasured(metrics: DetectionMetrics, kinds: Record<string, { transactions: number }>) {
  expect(Number.isFinite(metrics.overall.rocAuc)).toBe(true);
  expect(metrics.overall.rocAuc).toBeGreaterThanOrEqual(0);
  expect(metrics.overall.rocAuc).toBeLessThanOrEqual(1);
  expect(Number.isFinite(metrics.normalFlaggedShare)).toBe(true);
  for (const kind of ANOMALY_KINDS) {
    const measured = metrics.perKind[kind];
    expect(measured.transactions, kind).toBe(kinds[kind]?.transactions);
    expect(Number.isFinite(measured.rocAuc), kind).toBe(true);
    expect(Number.isFinite(measured.recall), kind).toBe(true);
  }
}

function expectHarnessWorked(result: DetectionBenchResult, variant: GatewayVariant, lines: string[]) {
  const { traffic } = result;
  expect(traffic.transactions).toBeGreaterThan(1_000);
  // Every kind occurs, so every per-kind figure below is a measurement.
  for (const kind of ANOMALY_KINDS) expect(traffic.kinds[kind].transactions, kind).toBeGreaterThan(0);
  expectMeasured(result.baseline.metrics, traffic.kinds);
  expect(result.baseline.trainingFlagRate).toBeCloseTo(0.01, 2);

  const [gateway] = result.gateways;
  expect(gateway?.name).toBe(variant);
  // Every transaction accepted and read back, with a prediction for each of the second half.
  expect(gateway?.ingested).toBe(traffic.transactions);
  const measured = (gateway?.metrics.normals ?? 0) + (gateway?.metrics.overall.transactions ?? 0);
  expect(measured).toBe(traffic.secondHalfTransactions);
  expect(gateway?.modelVersions.length).toBeGreaterThan(0);
  if (gateway) expectMeasured(gateway.metrics, traffic.kinds);
  // riskScore, or the stated fallback to anomalyScore.
  expect(["riskScore", "anomalyScore", "mixed"]).toContain(gateway?.scoreField);
  if (gateway?.scoreField !== "riskScore") {
    expect(lines.some((line) => line.includes("ranked by anomalyScore"))).toBe(true);
  }
  expect(result.table).toContain("quiet_burst");
  expect(lines.some((line) => line.includes("read back"))).toBe(true);
}

await describeWithServices("contextual-detection benchmark runner (embedded gateway)", [], () => {
  it("runs a small day through the embedded gateway and the stateless baseline", async () => {
    const lines: string[] = [];
    const result = await run("embedded", lines);
    expectHarnessWorked(result, "embedded", lines);
  }, 240_000);
});

// CI=true: a missing Redis fails this suite instead of skipping it.
await describeWithServices("contextual-detection benchmark runner (gateway on Redis)", ["redis"], () => {
  it("runs the redis variant with a key prefix of its own and leaves no key behind", async () => {
    const lines: string[] = [];
    const result = await run("redis", lines);
    expectHarnessWorked(result, "redis", lines);
    // The gateway really wrote under the run's own prefix, and nothing of it is left.
    const cleanup = result.gateways[0]?.redis;
    expect(cleanup?.keyPrefix).toMatch(/^cwbench_[0-9a-f]{8}$/);
    expect(cleanup?.keysDeleted).toBeGreaterThan(0);
    const redis = new Redis(serviceUrls.redisUrl);
    try {
      expect(await redis.keys(`${cleanup?.keyPrefix}:*`)).toEqual([]);
    } finally {
      await redis.quit();
    }
  }, 240_000);
});

await describeWithServices("contextual-detection benchmark runner (auto-baseline policy)", [], () => {
  it("trains a baseline after the first half, judges its shadow, and serves what the policy decided", async () => {
    const lines: string[] = [];
    const result = await run("embedded+baseline", lines);
    expectHarnessWorked(result, "embedded+baseline", lines);
    const report = result.gateways[0]?.autoBaseline;
    expect(report?.steps.map((step) => step.action)).toEqual(["trained", report?.decision]);
    expect(["promoted", "rejected"]).toContain(report?.decision);
    const [trained, judged] = report?.steps ?? [];
    expect(trained?.rows).toBeGreaterThanOrEqual(report?.firstHalfTransactions ?? Number.NaN);
    expect(judged?.version).toBe(trained?.version);
    expect(judged?.gates?.map((gate) => gate.gate).sort()).toEqual([
      "agreement",
      "drift",
      "flag_rate",
      "flag_rate_ratio",
    ]);
    // The shadow scored the whole slice between the two steps.
    expect(judged?.comparison?.shadow.predictions).toBe(report?.shadowTransactions);
    expect(report?.servedBefore.featureSpecVersion).toBe("1");
    if (report?.decision === "promoted") {
      expect(report.servedAfter.version).toBe(trained?.version);
      expect(report.servedAfter.featureSpecVersion).toBe("2");
      expect(report.candidate.status).toBe("active");
    } else {
      expect(report?.servedAfter).toEqual(report?.servedBefore);
      expect(report?.candidate.status).toBe("retired");
    }
    // The slice before the decision was served by the model active before it.
    expect(result.gateways[0]?.secondHalfByModel[report?.servedBefore.version ?? ""]).toBeGreaterThanOrEqual(
      report?.shadowTransactions ?? Number.NaN,
    );
    expect(lines.some((line) => line.includes("decision:"))).toBe(true);
  }, 240_000);
});
