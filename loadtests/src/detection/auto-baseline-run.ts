import { createChainwatchClient } from "@chainwatch/client";
import type { ContextualTraffic } from "./contextual-traffic.ts";

/**
 * The `embedded+baseline` variant (docs/model.md, "Auto-baseline"): the embedded gateway with its
 * auto-baseline policy driven by hand, so the benchmark decides when each step happens:
 *
 *   first half → run (expect `trained`: a spec-2 model on the served vectors, deployed as shadow)
 *   → the next ~10 % of the day (the shadow scores it beside the active model)
 *   → run (expect `promoted` or `rejected`, with the gates and their values) → the rest of the day.
 *
 * The gates are the gateway's defaults: nothing here loosens them. The ~10 % after the first half is
 * served by the model that was active before the decision, and counts in the second-half metrics.
 */

/** Share of the day ingested while the shadow collects its sample. */
const SHADOW_SHARE = 0.1;
/** The shadow is judged on at least this many transactions (fewer on a small test day). */
const SHADOW_MIN_TRANSACTIONS = 2_000;
/** MIN_TRANSACTIONS is the first half less this share, so the first run trains on it. */
const MIN_TRANSACTIONS_MARGIN = 0.05;
/** How long a step may answer `waiting`/`shadowing` while the last writes reach the store. */
const STEP_SETTLE_TIMEOUT_MS = 30_000;
const POLL_MS = 250;

export type PolicyAction =
  | "waiting"
  | "trained"
  | "shadowing"
  | "promoted"
  | "rejected"
  | "idle"
  | "unchanged";

export interface GateValue {
  gate: string;
  passed: boolean;
  value: number | boolean | null;
  limit: number | boolean;
}

export interface PolicyStepRecord {
  /** Transactions ingested when the step was asked for. */
  afterTransactions: number;
  action: PolicyAction;
  version?: string;
  /** trained: rows the baseline was trained on. */
  rows?: number;
  gates?: GateValue[];
  /** promoted / rejected: the two versions over the shadow's window. */
  comparison?: {
    active: { version: string; predictions: number; anomalyRate: number | null };
    shadow: { version: string; predictions: number; anomalyRate: number | null };
    scoredByBoth: number;
    agreementRate: number | null;
  };
  /** Calls until the step answered as expected (writes still in flight answer waiting/shadowing). */
  calls: number;
  seconds: number;
}

export interface ServingModel {
  version: string;
  featureSpecVersion: string;
  createdBy: string;
}

export interface AutoBaselineReport {
  /** What the gateway was started with (gates: its defaults, as GET /api/v1/models/auto-baseline says). */
  config: Record<string, unknown>;
  firstHalfTransactions: number;
  /** Ingested between the two steps: the shadow's sample. */
  shadowTransactions: number;
  steps: PolicyStepRecord[];
  decision: "promoted" | "rejected";
  servedBefore: ServingModel;
  servedAfter: ServingModel;
  /** The trained version as the registry lists it at the end. */
  candidate: ServingModel & { status: string };
}

export interface AutoBaselinePlan {
  env: Record<string, string>;
  /** Index of the first second-half transaction (the day is in time order). */
  firstHalfEnd: number;
  /** Index after the shadow's sample. */
  shadowEnd: number;
}

/** Where the steps fall in this day, and the gateway settings that make only the explicit runs act. */
export function autoBaselinePlan(traffic: ContextualTraffic): AutoBaselinePlan {
  const total = traffic.transactions.length;
  const firstHalfEnd = traffic.transactions.findIndex(
    ({ tx }) => tx.timestamp >= traffic.secondHalfTimestamp,
  );
  if (firstHalfEnd <= 0) throw new Error("the day has no first half to train on");
  const shadowEnd = Math.min(total, firstHalfEnd + Math.round(total * SHADOW_SHARE));
  const shadowTransactions = shadowEnd - firstHalfEnd;
  return {
    firstHalfEnd,
    shadowEnd,
    env: {
      AUTO_BASELINE_ENABLED: "true",
      // A day between scheduled ticks: within the run only the benchmark's explicit runs act.
      AUTO_BASELINE_CHECK_INTERVAL_SECONDS: "86400",
      AUTO_BASELINE_MIN_TRANSACTIONS: String(
        Math.max(100, Math.floor(firstHalfEnd * (1 - MIN_TRANSACTIONS_MARGIN))),
      ),
      AUTO_BASELINE_SHADOW_MIN_TRANSACTIONS: String(
        Math.max(1, Math.min(SHADOW_MIN_TRANSACTIONS, Math.floor(shadowTransactions / 2))),
      ),
      // The registry is polled every second (default 5): the shadow scores, and the promoted model
      // serves, from the first batch after the step rather than up to 5 s of batches later.
      MODEL_REFRESH_INTERVAL_SECONDS: "1",
    },
  };
}

interface GatewayAccess {
  url: string;
  adminKey: string;
}

/**
 * Ingests the day in three parts with a policy step after the first two; `ingest(from, to)` sends
 * transactions [from, to) in time order and resolves when the gateway has answered them.
 */
export async function ingestWithAutoBaseline(
  gateway: GatewayAccess,
  plan: AutoBaselinePlan,
  total: number,
  ingest: (from: number, to: number) => Promise<void>,
  log: (line: string) => void,
): Promise<AutoBaselineReport> {
  const servedBefore = await servingModel(gateway);
  log(`  serving ${describeModel(servedBefore)} before the policy acts`);
  const status = await autoBaselineStatus(gateway);
  log(`  policy settings: ${JSON.stringify(status.config)}`);

  await ingest(0, plan.firstHalfEnd);
  const trained = await policyStep(gateway, plan.firstHalfEnd, ["trained"], log);
  await ingest(plan.firstHalfEnd, plan.shadowEnd);
  const judged = await policyStep(gateway, plan.shadowEnd, ["promoted", "rejected"], log);
  await ingest(plan.shadowEnd, total);

  const servedAfter = await servingModel(gateway);
  log(`  serving ${describeModel(servedAfter)} after the decision`);
  const candidate = (await listModels(gateway)).versions.find((model) => model.version === trained.version);
  if (!candidate) throw new Error(`the trained version ${trained.version} is not in the registry`);
  return {
    config: status.config ?? {},
    firstHalfTransactions: plan.firstHalfEnd,
    shadowTransactions: plan.shadowEnd - plan.firstHalfEnd,
    steps: [trained, judged],
    decision: judged.action as "promoted" | "rejected",
    servedBefore,
    servedAfter,
    candidate: {
      version: candidate.version,
      featureSpecVersion: candidate.featureSpecVersion,
      createdBy: candidate.createdBy,
      status: candidate.status,
    },
  };
}

/**
 * POST /api/v1/models/auto-baseline/run until the step is one of `expected`. `waiting` and `shadowing`
 * are asked again for a while (the last batches' rows may still be on their way to the store); any
 * other answer, or a failed step, is an error. Then waits until the gateway serves the set the step left.
 */
async function policyStep(
  gateway: GatewayAccess,
  afterTransactions: number,
  expected: readonly PolicyAction[],
  log: (line: string) => void,
): Promise<PolicyStepRecord> {
  const client = createChainwatchClient({ baseUrl: gateway.url, apiKey: gateway.adminKey });
  const started = performance.now();
  const deadline = Date.now() + STEP_SETTLE_TIMEOUT_MS;
  for (let calls = 1; ; calls++) {
    await writesSettled(gateway.url, deadline);
    const { data, error, response } = await client.POST("/api/v1/models/auto-baseline/run");
    if (!data) throw new Error(`auto-baseline run answered ${response.status}: ${JSON.stringify(error)}`);
    if (data.lastError) throw new Error(`auto-baseline step failed: ${data.lastError.message}`);
    const step = data.lastStep as StepBody | null;
    if (!step) throw new Error("auto-baseline run answered without a step");
    const action = step.action as PolicyAction;
    const isSettling = action === "waiting" || action === "shadowing";
    if (!expected.includes(action) && !(isSettling && Date.now() < deadline)) {
      throw new Error(
        `auto-baseline answered ${action} after ${afterTransactions} transactions, expected ${expected.join(" or ")}: ${JSON.stringify(step)}`,
      );
    }
    if (!expected.includes(action)) {
      await sleep(POLL_MS);
      continue;
    }
    await servingSettled(gateway, deadline);
    const record = toRecord(step, afterTransactions, calls, (performance.now() - started) / 1_000);
    logStep(record, log);
    return record;
  }
}

interface StepBody {
  action: string;
  version?: string;
  rows?: number;
  gates?: GateValue[];
  comparison?: {
    versions: {
      version: string;
      predictions: number;
      anomalyRate: number | null;
    }[];
    agreement: { scoredByBoth: number; agreementRate: number | null };
  };
}

function toRecord(
  step: StepBody,
  afterTransactions: number,
  calls: number,
  seconds: number,
): PolicyStepRecord {
  const [active, shadow] = step.comparison?.versions ?? [];
  const pick = (stats: typeof active) =>
    stats && { version: stats.version, predictions: stats.predictions, anomalyRate: stats.anomalyRate };
  const comparison =
    step.comparison && active && shadow
      ? {
          active: pick(active) as NonNullable<ReturnType<typeof pick>>,
          shadow: pick(shadow) as NonNullable<ReturnType<typeof pick>>,
          scoredByBoth: step.comparison.agreement.scoredByBoth,
          agreementRate: step.comparison.agreement.agreementRate,
        }
      : undefined;
  return {
    afterTransactions,
    action: step.action as PolicyAction,
    ...(step.version === undefined ? {} : { version: step.version }),
    ...(step.rows === undefined ? {} : { rows: step.rows }),
    ...(step.gates === undefined ? {} : { gates: step.gates }),
    ...(comparison ? { comparison } : {}),
    calls,
    seconds,
  };
}

const formatValue = (value: number | boolean | null) =>
  typeof value === "number" ? String(Number(value.toFixed(5))) : String(value);

/** One line per gate: what was measured against what it had to be. */
export function describeGates(gates: readonly GateValue[]): string[] {
  return gates.map(
    (gate) =>
      `${gate.passed ? "pass" : "FAIL"}  ${gate.gate.padEnd(16)} ${formatValue(gate.value)} (limit ${formatValue(gate.limit)})`,
  );
}

function logStep(record: PolicyStepRecord, log: (line: string) => void): void {
  const head = `  policy after ${record.afterTransactions.toLocaleString("en-US")} transactions: ${record.action}${record.version ? ` ${record.version}` : ""}`;
  const rows = record.rows === undefined ? "" : ` on ${record.rows.toLocaleString("en-US")} served vectors`;
  log(`${head}${rows} (${record.seconds.toFixed(1)} s, ${record.calls} call${record.calls > 1 ? "s" : ""})`);
  const { comparison } = record;
  if (comparison) {
    const rate = (value: number | null) => (value === null ? "n/a" : `${(value * 100).toFixed(2)} %`);
    log(
      `    window: active ${comparison.active.version} flagged ${rate(comparison.active.anomalyRate)} of ${comparison.active.predictions}, shadow ${comparison.shadow.version} ${rate(comparison.shadow.anomalyRate)} of ${comparison.shadow.predictions}; agreement ${rate(comparison.agreementRate)} of ${comparison.scoredByBoth} scored by both`,
    );
  }
  for (const line of describeGates(record.gates ?? [])) log(`    ${line}`);
}

export function describeModel(model: ServingModel): string {
  return `${model.version} (feature spec ${model.featureSpecVersion}, created by ${model.createdBy})`;
}

async function listModels(gateway: GatewayAccess) {
  const client = createChainwatchClient({ baseUrl: gateway.url, apiKey: gateway.adminKey });
  const { data, error, response } = await client.GET("/api/v1/models");
  if (!data) throw new Error(`GET /api/v1/models answered ${response.status}: ${JSON.stringify(error)}`);
  return data;
}

async function autoBaselineStatus(gateway: GatewayAccess) {
  const client = createChainwatchClient({ baseUrl: gateway.url, apiKey: gateway.adminKey });
  const { data, error, response } = await client.GET("/api/v1/models/auto-baseline");
  if (!data)
    throw new Error(`GET /api/v1/models/auto-baseline answered ${response.status}: ${JSON.stringify(error)}`);
  if (!data.enabled) throw new Error("the gateway runs without the auto-baseline policy");
  return data;
}

/** The registry's active version and its feature spec (GET /api/v1/models). */
export async function servingModel(gateway: GatewayAccess): Promise<ServingModel> {
  const { versions, activeSet } = await listModels(gateway);
  const active = versions.find((model) => model.version === activeSet.active?.version);
  if (!active) throw new Error(`no active model in ${JSON.stringify(activeSet)}`);
  return {
    version: active.version,
    featureSpecVersion: active.featureSpecVersion,
    createdBy: active.createdBy,
  };
}

/** Until the gateway serves the registry's set (its poller loaded what the step deployed or retired). */
async function servingSettled(gateway: GatewayAccess, deadline: number): Promise<void> {
  for (;;) {
    const { activeSet, serving } = await listModels(gateway);
    if (serving.revision === activeSet.revision) return;
    if (Date.now() > deadline)
      throw new Error(`the gateway still serves ${serving.revision}, not ${activeSet.revision}`);
    await sleep(POLL_MS);
  }
}

/** Until the gateway's deferred writes (predictions, served vectors) have reached the store. */
async function writesSettled(url: string, deadline: number): Promise<void> {
  for (;;) {
    const health = (await (await fetch(`${url}/health`)).json()) as {
      dependencies?: { database?: { writeQueueDepth?: number } };
    };
    const depth = health.dependencies?.database?.writeQueueDepth;
    if (depth === undefined || depth === 0) return;
    if (Date.now() > deadline) throw new Error(`${depth} writes still queued`);
    await sleep(POLL_MS);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
