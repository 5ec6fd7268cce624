import { describe, expect, it } from "vitest";
import {
  createCacheMetrics,
  createHttpMetrics,
  createMetricsRegistry,
  createScoringMetrics,
} from "./index.ts";

describe("metrics registry", () => {
  it("exposes every metric family the dashboards rely on", async () => {
    const registry = createMetricsRegistry({ collectProcessMetrics: false });
    createHttpMetrics(registry);
    createScoringMetrics(registry);
    createCacheMetrics(registry);
    const text = await registry.metrics();
    for (const name of [
      "http_requests_total",
      "http_request_duration_seconds",
      "http_requests_in_progress",
      "http_request_size_bytes",
      "http_response_size_bytes",
      "http_errors_total",
      "slow_requests_total",
      "rate_limit_store_errors_total",
      "transactions_scored_total",
      "anomalies_detected_total",
      "transaction_content_conflicts_total",
      "model_inference_duration_seconds",
      "cache_hits_total",
      "cache_misses_total",
      "cache_hit_rate",
      "cache_operation_duration_seconds",
      "cache_size_bytes",
      "cache_evictions_total",
      "cache_errors_total",
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });

  it("keeps registries independent so two apps in one test process do not collide", () => {
    const first = createMetricsRegistry({ collectProcessMetrics: false });
    const second = createMetricsRegistry({ collectProcessMetrics: false });
    createHttpMetrics(first);
    expect(() => createHttpMetrics(second)).not.toThrow();
    expect(() => createHttpMetrics(first)).toThrow(/already been registered/);
  });

  it("applies default labels to every series", async () => {
    const registry = createMetricsRegistry({
      collectProcessMetrics: false,
      defaultLabels: { service: "test" },
    });
    createScoringMetrics(registry).transactionsScoredTotal.inc(3);
    expect(await registry.metrics()).toContain('transactions_scored_total{service="test"} 3');
  });
});
