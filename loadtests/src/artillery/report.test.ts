import { describe, expect, it } from "vitest";
import { type ArtilleryReport, summarisePeriods, summariseRun } from "./report.ts";

const latency = (p95: number) => ({ min: 1, max: p95 * 2, count: 10, p50: p95 / 2, p95, p99: p95 * 1.5 });

const report: ArtilleryReport = {
  aggregate: {
    firstMetricAt: 1_000_000,
    lastMetricAt: 1_020_000,
    counters: {
      "http.requests": 200,
      "http.responses": 200,
      "http.codes.200": 190,
      "http.codes.429": 8,
      "http.codes.500": 2,
      "chainwatch.responses": 200,
      "chainwatch.errors": 2,
      "chainwatch.shed": 8,
      "vusers.failed": 0,
    },
    summaries: {
      "http.response_time": latency(40),
      "plugins.metrics-by-endpoint.response_time./api/v1/predict": latency(30),
    },
  },
  intermediate: [
    {
      period: 1_000_000,
      counters: { "http.requests": 100, "http.codes.200": 100, "chainwatch.shed": 0 },
      summaries: { "http.response_time": latency(20) },
    },
    {
      period: 1_010_000,
      counters: { "http.requests": 100, "http.codes.200": 90, "chainwatch.shed": 8, "chainwatch.errors": 2 },
      summaries: { "http.response_time": latency(60) },
    },
  ],
};

describe("artillery report", () => {
  it("summarises rate, latency, codes, error and shed rates, endpoints", () => {
    const summary = summariseRun(report);
    expect(summary.requestsPerSecond).toBe(10);
    expect(summary.p95Ms).toBe(40);
    expect(summary.codes).toEqual({ "200": 190, "429": 8, "500": 2 });
    expect(summary.errorRate).toBeCloseTo(0.01);
    expect(summary.shedRate).toBeCloseTo(0.04);
    expect(summary.endpoints["/api/v1/predict"]?.p95Ms).toBe(30);
  });

  it("gives one row per period", () => {
    expect(summarisePeriods(report)).toEqual([
      { atSeconds: 0, requests: 100, p95Ms: 20, p99Ms: 30, ok: 100, shed: 0, errors: 0, failedVusers: 0 },
      { atSeconds: 10, requests: 100, p95Ms: 60, p99Ms: 90, ok: 90, shed: 8, errors: 2, failedVusers: 0 },
    ]);
  });
});
