import { describe, expect, it } from "vitest";
import { createHttpMetrics, createMetricsRegistry } from "./index.ts";

describe("http metrics", () => {
  it("reports requests in progress and requests total as of each scrape, without double counting", async () => {
    const registry = createMetricsRegistry({ collectProcessMetrics: false });
    const metrics = createHttpMetrics(registry);
    metrics.requestStarted("POST");
    metrics.requestStarted("POST");
    metrics.requestFinished("POST", "/api/v1/predict", "200");
    let text = await registry.metrics();
    expect(text).toContain('http_requests_in_progress{method="POST"} 1');
    expect(text).toContain('http_requests_total{method="POST",route="/api/v1/predict",status="200"} 1');
    metrics.requestFinished("POST", "/api/v1/predict", "200");
    metrics.requestStarted("GET");
    metrics.requestFinished("GET", "unmatched", "404");
    text = await registry.metrics();
    expect(text).toContain('http_requests_in_progress{method="POST"} 0');
    expect(text).toContain('http_requests_total{method="POST",route="/api/v1/predict",status="200"} 2');
    expect(text).toContain('http_requests_total{method="GET",route="unmatched",status="404"} 1');
    expect(await registry.metrics()).toContain(
      'http_requests_total{method="POST",route="/api/v1/predict",status="200"} 2',
    );
  });
});
