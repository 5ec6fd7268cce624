import { describe, expect, it } from "vitest";
import { hitRateBetween, predictionCacheCounters, sampleValue } from "./prometheus.ts";

const TEXT = `# HELP cache_hits_total Cache hits
# TYPE cache_hits_total counter
cache_hits_total{cache_type="prediction"} 700
cache_hits_total{cache_type="query"} 5
cache_hits_total_extra 99
# TYPE cache_misses_total counter
cache_misses_total{cache_type="prediction"} 300
http_requests_total{method="POST",route="/api/v1/predict",status="200"} 10
http_requests_total{method="POST",route="/api/v1/predict",status="429"} 2
`;

describe("prometheus text", () => {
  it("reads labelled samples and sums matching series", () => {
    expect(sampleValue(TEXT, "cache_hits_total", { cache_type: "query" })).toBe(5);
    expect(sampleValue(TEXT, "cache_hits_total")).toBe(705);
    expect(sampleValue(TEXT, "http_requests_total", { route: "/api/v1/predict" })).toBe(12);
    expect(sampleValue(TEXT, "absent_total")).toBe(0);
  });

  it("computes the hit rate between two scrapes", () => {
    const after = predictionCacheCounters(TEXT);
    expect(after).toEqual({ hits: 700, misses: 300 });
    expect(hitRateBetween({ hits: 100, misses: 100 }, after)).toBeCloseTo(600 / 800);
    expect(hitRateBetween(after, after)).toBeUndefined();
  });
});
