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
    expect(names("# a comment\nsum(x)")).toEqual(["x"]);
  });

  it("names a selector by __name__ or by a quoted (UTF-8) metric name too", () => {
    expect(names('{__name__="a_total", job="x"}')).toEqual(["a_total"]);
    expect(names('{"a.total", job="x"} + {__name__=~"b.*"}')).toEqual(["a.total"]);
  });

  it("reads label matchers, including escaped quotes and commas in values", () => {
    const [selector] = extractSelectors('m{job=~"a|b", route!="/x,y", code="say \\"hi\\"", "a.b"!~`c\\d`}');
    expect(selector?.matchers).toEqual([
      { label: "job", op: "=~", value: "a|b" },
      { label: "route", op: "!=", value: "/x,y" },
      { label: "code", op: "=", value: 'say "hi"' },
      { label: "a.b", op: "!~", value: "c\\d" },
    ]);
    expect(extractSelectors("m{job='it\\'s'}")[0]?.matchers[0]?.value).toBe("it's");
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

  it("rejects what is not PromQL rather than guessing", () => {
    expect(() => extractSelectors('x{job="a}')).toThrow(/syntax error/);
    expect(() => extractSelectors("x{job}")).toThrow(/syntax error/);
    expect(() => extractSelectors("sum(rate(x[5m])")).toThrow(/syntax error/);
    expect(() => extractSelectors("no_such_function(x)")).toThrow(/syntax error/);
    expect(() => extractSelectors('x{job="\\a"}')).toThrow(/unsupported escape/);
  });
});
