import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkRecovery } from "./artillery/run-scenario.ts";
import { SCENARIO_SPECS, scenarioEnvironments, scenarioFile, scenarioNames } from "./scenarios.ts";

describe("scenario files", () => {
  it("has the scenarios the issue asks for", () => {
    expect(scenarioNames()).toEqual(
      expect.arrayContaining([
        "realistic",
        "baseline",
        "target",
        "stress",
        "spike",
        "high-throughput",
        "smoke",
      ]),
    );
  });

  it.each(scenarioNames())("%s enables ensure and states thresholds", (name) => {
    const text = readFileSync(scenarioFile(name), "utf8");
    // Without the plugin line artillery ignores `ensure` silently and every run "passes".
    expect(text).toMatch(/^ {2}plugins:\n {4}ensure: \{\}/m);
    expect(text).toMatch(/^ {2}ensure:\n/m);
    expect(text).toContain('processor: "./processor.mts"');
    expect(text).toContain("afterResponse: countOutcome");
  });

  it.each(scenarioNames().filter((name) => name !== "smoke"))(
    "%s has embedded and services rates",
    (name) => {
      expect(scenarioEnvironments(name)).toEqual(["embedded", "services"]);
      const text = readFileSync(scenarioFile(name), "utf8");
      expect(text).toMatch(/http\.response_time\.p99/);
    },
  );

  it("asks for the realistic cache hit rate and the stress recovery", () => {
    expect(SCENARIO_SPECS.realistic?.minCacheHitRate).toBe(0.7);
    expect(SCENARIO_SPECS.stress?.recovery?.seconds).toBeGreaterThan(0);
    expect(SCENARIO_SPECS.stress?.gatewayEnv?.RATE_LIMIT_RPM).toBeDefined();
  });
});

describe("recovery check", () => {
  const period = (atSeconds: number, extra: Partial<Parameters<typeof checkRecovery>[0][number]> = {}) => ({
    atSeconds,
    requests: 100,
    p95Ms: 20,
    p99Ms: 40,
    ok: 100,
    shed: 0,
    errors: 0,
    failedVusers: 0,
    ...extra,
  });

  it("passes when the last periods are clean and fast", () => {
    const result = checkRecovery([period(0, { shed: 50 }), period(10), period(20)], {
      seconds: 10,
      maxP95Ms: 50,
    });
    expect(result.passed).toBe(true);
  });

  it("fails while the calm phase still sheds, fails or is slow", () => {
    expect(checkRecovery([period(0), period(10, { shed: 1 })], { seconds: 10 }).passed).toBe(false);
    expect(checkRecovery([period(0), period(10, { failedVusers: 2 })], { seconds: 10 }).passed).toBe(false);
    expect(
      checkRecovery([period(0), period(10, { p95Ms: 900 })], { seconds: 10, maxP95Ms: 200 }).passed,
    ).toBe(false);
    expect(checkRecovery([], { seconds: 10 }).passed).toBe(false);
  });
});
