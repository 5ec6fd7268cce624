#!/usr/bin/env node
/**
 * pnpm loadtest <scenario> [--redis] [--postgres]
 *
 * Starts the gateway (embedded defaults, limits raised for load) and runs the artillery scenario against
 * it, or runs it against TARGET_URL with TARGET_API_KEY. Exit code 0 when every check passed.
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runScenario, type ScenarioResult } from "../artillery/run-scenario.ts";
import { formatBytes, formatLoad } from "../machine.ts";
import { scenarioNames } from "../scenarios.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    redis: { type: "boolean", default: false },
    postgres: { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
    env: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});

const name = positionals[0];
if (values.help || !name) {
  process.stdout.write(
    `usage: pnpm loadtest <scenario> [--redis] [--postgres] [--env embedded|services] [--quiet]\n` +
      `scenarios: ${scenarioNames().join(", ")}\n` +
      `  TARGET_URL=http://127.0.0.1:8080 TARGET_API_KEY=cw_... → run against that gateway instead\n` +
      `  --redis → the started gateway uses Redis at REDIS_URL (default redis://127.0.0.1:6379)\n` +
      `  --postgres → and PostgreSQL at DATABASE_URL (a scratch schema, dropped after)\n`,
  );
  process.exit(name ? 0 : 64);
}

const targetUrl = process.env.TARGET_URL;
if (targetUrl && !/^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?(\/|$)/.test(targetUrl)) {
  // Load is only ever aimed at this machine.
  process.stderr.write(`TARGET_URL must point at 127.0.0.1 or localhost, got ${targetUrl}\n`);
  process.exit(64);
}

const result = await runScenario(name, {
  ...(targetUrl ? { targetUrl, apiKey: process.env.TARGET_API_KEY ?? "" } : {}),
  ...(values.redis ? { gatewayEnv: { REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" } } : {}),
  ...(values.postgres
    ? { postgresUrl: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test" }
    : {}),
  ...(values.env ? { environment: values.env } : targetUrl ? { environment: "services" } : {}),
  resultsDir: fileURLToPath(new URL("../../results/", import.meta.url)),
  echo: !values.quiet,
});
process.stdout.write(formatResult(result));
process.exit(result.passed ? 0 : 1);

function formatResult(result: ScenarioResult): string {
  const s = result.summary;
  const pct = (value: number) => `${(value * 100).toFixed(2)} %`;
  const lines = [
    "",
    `== ${result.scenario} [${result.environment ?? "default"}] (gateway: ${result.target}) ==`,
    `machine: ${result.machine.cores} cores ${result.machine.cpuModel}, Node ${result.machine.node}; load before ${formatLoad(result.loadBefore)}, after ${formatLoad(result.loadAfter)}`,
    `requests: ${s.requests} in ${s.durationSeconds.toFixed(0)} s = ${s.requestsPerSecond.toFixed(0)} req/s`,
    `latency: p50 ${s.p50Ms} ms, p95 ${s.p95Ms} ms, p99 ${s.p99Ms} ms, max ${s.maxMs} ms`,
    `codes: ${JSON.stringify(s.codes)}; errors ${pct(s.errorRate)}, shed (429/503) ${pct(s.shedRate)}, failed vusers ${s.failedVusers}`,
    ...Object.entries(s.endpoints).map(
      ([endpoint, e]) => `  ${endpoint}: ${e.count} × p50 ${e.p50Ms} / p95 ${e.p95Ms} / p99 ${e.p99Ms} ms`,
    ),
    `prediction cache hit rate: ${result.cacheHitRate === undefined ? "n/a" : pct(result.cacheHitRate)}${result.cacheHitRateCheck ? (result.cacheHitRateCheck.passed ? " (ok)" : " (BELOW TARGET)") : ""}`,
    `gateway peak RSS during the run: ${formatBytes(result.gatewayPeakRssBytes)} (since start: ${formatBytes(result.gatewayLifetimePeakRssBytes)})${result.gatewaySurvived === false ? " — GATEWAY EXITED" : ""}`,
    "periods (s: req, p95/p99 ms, 2xx, shed, errors, failed):",
    ...result.periods.map(
      (p) =>
        `  ${String(p.atSeconds).padStart(4)}: ${p.requests}, ${p.p95Ms}/${p.p99Ms}, ${p.ok}, ${p.shed}, ${p.errors}, ${p.failedVusers}`,
    ),
    ...(result.recovery
      ? [`recovery: ${result.recovery.passed ? "ok" : "FAILED"} — ${result.recovery.detail}`]
      : []),
    "checks:",
    ...result.checks.map((check) => `  ${check.trim()}`),
    `result: ${result.passed ? "PASSED" : "FAILED"} (report: ${result.reportPath})`,
    "",
  ];
  return `${lines.join("\n")}\n`;
}
