import { describe, expect, it } from "vitest";
import { familyOf, parseExposition } from "./exposition.ts";

const text = `# HELP http_request_duration_seconds HTTP request duration in seconds
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.1"} 1
# HELP http_requests_total HTTP requests
# TYPE http_requests_total counter
# TYPE rpc_seconds summary
# TYPE cache_hit_rate gauge
`;

describe("exposition", () => {
  const families = parseExposition(text);

  it("reads every family with its type", () => {
    expect([...families]).toEqual([
      ["http_request_duration_seconds", "histogram"],
      ["http_requests_total", "counter"],
      ["rpc_seconds", "summary"],
      ["cache_hit_rate", "gauge"],
    ]);
  });

  it("maps histogram and summary series to their base name, and nothing else", () => {
    expect(familyOf("http_request_duration_seconds_bucket", families)).toBe("http_request_duration_seconds");
    expect(familyOf("http_request_duration_seconds_count", families)).toBe("http_request_duration_seconds");
    expect(familyOf("rpc_seconds_sum", families)).toBe("rpc_seconds");
    expect(familyOf("rpc_seconds_bucket", families)).toBeUndefined();
    expect(familyOf("cache_hit_rate_count", families)).toBeUndefined();
    expect(familyOf("http_requests", families)).toBeUndefined();
    expect(familyOf("http_requests_total", families)).toBe("http_requests_total");
  });
});
