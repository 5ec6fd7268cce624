import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createChainwatchClient } from "@chainwatch/client";
import { loadAverages, type MachineInfo, machineInfo } from "../machine.ts";
import { fetchMetrics, hitRateBetween, predictionCacheCounters } from "../metrics/prometheus.ts";
import { createScratchSchema, type ScratchSchema } from "../processes/database.ts";
import { createApiKeys, type LoadGateway, startGateway } from "../processes/gateway.ts";
import { SCENARIO_SPECS, scenarioEnvironments, scenarioFile, scenarioNames } from "../scenarios.ts";
import { type PeriodSummary, type RunSummary, summarisePeriods, summariseRun } from "./report.ts";
import { runArtillery } from "./run-artillery.ts";

export interface ScenarioOptions {
  /** An already running gateway; unset → one is started with the load defaults and stopped after. */
  targetUrl?: string;
  /** Key for every request against `targetUrl` (needs score and anomalies:read, e.g. admin). */
  apiKey?: string;
  /** Extra gateway settings when the runner starts it (e.g. REDIS_URL). */
  gatewayEnv?: Record<string, string>;
  /** PostgreSQL server URL: the started gateway uses a scratch schema on it instead of embedded PGlite. */
  postgresUrl?: string;
  resultsDir: string;
  /**
   * Which of the scenario's config.environments to run: "embedded" (default for a gateway on embedded
   * defaults) or "services" (Redis + PostgreSQL, and the default for TARGET_URL).
   */
  environment?: string;
  echo?: boolean;
}

export interface ScenarioResult {
  scenario: string;
  /** What the runner started ("embedded": PGlite + in-process cache; "+redis", "+postgres"), or "external". */
  target: string;
  environment?: string;
  machine: MachineInfo;
  loadBefore: number[];
  loadAfter: number[];
  summary: RunSummary;
  periods: PeriodSummary[];
  checks: string[];
  /** Prediction cache hits / lookups during the run, from the gateway's /metrics. */
  cacheHitRate?: number;
  cacheHitRateCheck?: { passed: boolean; detail: string };
  /** Largest gateway RSS sampled during the run (every 200 ms). */
  gatewayPeakRssBytes?: number;
  /** VmHWM at the end: the peak since the process started, start-up (PGlite initdb) included. */
  gatewayLifetimePeakRssBytes?: number;
  /** Was the gateway process alive at the end (only known when the runner started it). */
  gatewaySurvived?: boolean;
  recovery?: { passed: boolean; detail: string };
  /** Every check passed: artillery's ensure, survival and recovery. */
  passed: boolean;
  reportPath: string;
}

export async function runScenario(name: string, options: ScenarioOptions): Promise<ScenarioResult> {
  if (!scenarioNames().includes(name))
    throw new Error(`unknown scenario "${name}"; one of: ${scenarioNames().join(", ")}`);
  const spec = SCENARIO_SPECS[name] ?? {};
  await mkdir(options.resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const reportPath = join(options.resultsDir, `${name}-${stamp}.artillery.json`);

  let gateway: LoadGateway | undefined;
  let scratch: ScratchSchema | undefined;
  let env: Record<string, string>;
  let target: string;
  if (options.targetUrl) {
    target = options.targetUrl.replace(/\/$/, "");
    env = { LOADTEST_API_KEY: options.apiKey ?? "" };
  } else {
    if (options.postgresUrl) scratch = await createScratchSchema(options.postgresUrl);
    gateway = await startGateway({
      ...spec.gatewayEnv,
      ...options.gatewayEnv,
      ...(scratch ? { DATABASE_URL: scratch.databaseUrl } : {}),
    });
    target = gateway.url;
    const keys = await createApiKeys(gateway.url, gateway.adminKey, `loadtest-${name}`);
    env = { LOADTEST_SCORER_KEY: keys.scorer, LOADTEST_VIEWER_KEY: keys.viewer };
  }
  env.LOADTEST_RUN_SALT = randomBytes(4).toString("hex");
  const environments = scenarioEnvironments(name);
  const isEmbedded = gateway !== undefined && !options.postgresUrl && !options.gatewayEnv?.REDIS_URL;
  const environment =
    options.environment ?? (environments.length === 0 ? undefined : isEmbedded ? "embedded" : "services");
  if (environment && !environments.includes(environment)) {
    await gateway?.stop();
    await scratch?.drop();
    throw new Error(`scenario ${name} has no environment "${environment}" (has: ${environments.join(", ")})`);
  }

  try {
    const loadBefore = loadAverages();
    const before = predictionCacheCounters(await fetchMetrics(target));
    const rss = gateway?.service.sampleRss();
    const run = await runArtillery({
      scenarioFile: scenarioFile(name),
      target,
      reportPath,
      env,
      ...(environment ? { environment } : {}),
      ...(options.echo !== undefined ? { echo: options.echo } : {}),
    });
    const loadAfter = loadAverages();
    const gatewaySurvived = gateway ? gateway.service.isRunning() : undefined;
    const gatewayPeakRssBytes = rss?.stop();
    const gatewayLifetimePeakRssBytes = gateway?.service.peakRssBytes();
    let cacheHitRate: number | undefined;
    try {
      cacheHitRate = hitRateBetween(before, predictionCacheCounters(await fetchMetrics(target)));
    } catch {
      cacheHitRate = undefined;
    }
    const periods = summarisePeriods(run.report);
    const recovery = spec.recovery ? checkRecovery(periods, spec.recovery) : undefined;
    const cacheHitRateCheck =
      spec.minCacheHitRate === undefined
        ? undefined
        : {
            passed: cacheHitRate !== undefined && cacheHitRate >= spec.minCacheHitRate,
            detail: `prediction cache hit rate ${cacheHitRate === undefined ? "n/a" : `${(cacheHitRate * 100).toFixed(1)} %`} (≥ ${spec.minCacheHitRate * 100} %)`,
          };
    const isAlive = gatewaySurvived !== false && (await isLive(target));
    const result: ScenarioResult = {
      scenario: name,
      target: gateway ? describeGateway(options) : "external",
      ...(environment ? { environment } : {}),
      machine: machineInfo(),
      loadBefore,
      loadAfter,
      summary: summariseRun(run.report),
      periods,
      checks: run.checks,
      ...(cacheHitRate !== undefined ? { cacheHitRate } : {}),
      ...(cacheHitRateCheck ? { cacheHitRateCheck } : {}),
      ...(gatewayPeakRssBytes !== undefined ? { gatewayPeakRssBytes } : {}),
      ...(gatewayLifetimePeakRssBytes !== undefined ? { gatewayLifetimePeakRssBytes } : {}),
      ...(gatewaySurvived !== undefined ? { gatewaySurvived } : {}),
      ...(recovery ? { recovery } : {}),
      passed:
        run.exitCode === 0 && isAlive && (recovery?.passed ?? true) && (cacheHitRateCheck?.passed ?? true),
      reportPath,
    };
    await writeFile(
      reportPath.replace(/\.artillery\.json$/, ".summary.json"),
      JSON.stringify(result, null, 2),
    );
    return result;
  } finally {
    await gateway?.stop();
    await scratch?.drop();
  }
}

function describeGateway(options: ScenarioOptions): string {
  const parts = [
    options.postgresUrl ? "PostgreSQL" : "PGlite in memory",
    options.gatewayEnv?.REDIS_URL ? "Redis cache and limits" : "in-process cache and limits",
  ];
  return `started: ${parts.join(", ")}`;
}

async function isLive(target: string): Promise<boolean> {
  try {
    const client = createChainwatchClient({ baseUrl: target });
    return (await client.GET("/health/live", { signal: AbortSignal.timeout(5_000) })).response.ok;
  } catch {
    return false;
  }
}

/**
 * Every reporting period that starts within the last `seconds` must be clean: no shedding, no errors,
 * no failed virtual users, and (if given) p95 back under `maxP95Ms`.
 */
export function checkRecovery(
  periods: readonly PeriodSummary[],
  options: { seconds: number; maxP95Ms?: number },
): { passed: boolean; detail: string } {
  const end = periods.at(-1)?.atSeconds ?? 0;
  const calm = periods.filter((period) => period.atSeconds >= end - options.seconds && period.requests > 0);
  if (calm.length === 0) return { passed: false, detail: "no requests in the calm phase" };
  const maxP95 = options.maxP95Ms ?? Number.POSITIVE_INFINITY;
  const dirty = calm.filter(
    (period) => period.shed + period.errors + period.failedVusers > 0 || period.p95Ms > maxP95,
  );
  const worstP95 = Math.max(...calm.map((period) => period.p95Ms));
  return {
    passed: dirty.length === 0,
    detail:
      dirty.length === 0
        ? `last ${calm.length} period(s): every request 2xx, p95 ≤ ${worstP95} ms`
        : `${dirty.length} of the last ${calm.length} period(s) still shed, failed or slow (worst p95 ${worstP95} ms)`,
  };
}
