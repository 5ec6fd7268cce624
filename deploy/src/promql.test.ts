import { describe, expect, it } from "vitest";
import { extractSelectors, jobsOf, substituteGrafanaVariables } from "./promql.ts";

const names = (expr: string) => extractSelectors(expr).map((s) => s.name);

describe("extractSelectors", () => {
  it("finds metric names through functions, aggregations and label lists", () => {
    expect(
      names(
        'histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{job="api-gateway",route=~"/api/.*"}[5m]))) > 1',
      ),
    ).toEqual(["http_request_duration_seconds_bucket"]);
    expect(names("sum(rate(a_total[5m])) by (job) / on (job) group_left (x) b_total offset 5m")).toEqual([
      "a_total",
      "b_total",
    ]);
  });

  it("skips keywords, numbers, durations, strings and nameless selectors", () => {
    expect(names('x > bool 1e-3 and y unless z or {job="a"} + 0x1f')).toEqual(["x", "y", "z"]);
    expect(names('label_replace(up, "dst", "$1", "instance", "(.*):.*")')).toEqual(["up"]);
    expect(names("deriv(chainwatch:kafka_consumer_lag:sum[10m])")).toEqual([
      "chainwatch:kafka_consumer_lag:sum",
    ]);
    expect(names("time() - max(last_success_seconds)")).toEqual(["last_success_seconds"]);
    expect(names("rate(x[5m:30s])")).toEqual(["x"]);
  });

  it("reads label matchers, including escaped quotes and commas in values", () => {
    const [selector] = extractSelectors('m{job=~"a|b", route!="/x,y", code="say \\"hi\\""}');
    expect(selector?.matchers).toEqual([
      { label: "job", op: "=~", value: "a|b" },
      { label: "route", op: "!=", value: "/x,y" },
      { label: "code", op: "=", value: 'say "hi"' },
    ]);
    expect(selector && jobsOf(selector)).toEqual(["a", "b"]);
    expect(jobsOf({ name: "m", matchers: [{ label: "job", op: "=~", value: "api-.*" }] })).toBeUndefined();
  });

  it("replaces Grafana variables so the result is PromQL", () => {
    const braced = ["$", "{factor}"].join("");
    expect(substituteGrafanaVariables(`rate(x{job="$job"}[$__rate_interval]) * ${braced}`)).toBe(
      'rate(x{job="grafana_var"}[5m]) * grafana_var',
    );
    expect(names("sum(rate(http_requests_total[$__rate_interval]))")).toEqual(["http_requests_total"]);
  });

  it("rejects what it cannot read rather than guessing", () => {
    expect(() => extractSelectors('x{job="a}')).toThrow(/unbalanced|unterminated/);
    expect(() => extractSelectors("x{job}")).toThrow(/bad label matcher/);
  });
});
