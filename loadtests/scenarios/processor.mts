/*
 * Artillery processor: credentials from the environment, realistic transactions, and an outcome counter
 * per response. A `.mts` file: artillery imports it as is and Node strips the types (a `.ts` processor
 * would be bundled by artillery into CommonJS, which this ESM package cannot load).
 *
 * Environment (set by `pnpm loadtest`, or by you with TARGET_URL):
 *   LOADTEST_API_KEY        key for every request (admin, or any key with score + anomalies:read)
 *   LOADTEST_SCORER_KEY     overrides it for predict and batch predict
 *   LOADTEST_VIEWER_KEY     overrides it for anomaly queries
 *   LOADTEST_RUN_SALT       8 hex; different per run so a warm shared cache does not count as hits
 * Workload (config.variables of the scenario): repeatShare, poolSize, zipfExponent, batchMin, batchMax.
 */
import { createWorkload, DEFAULT_WORKLOAD } from "../src/data/transactions.ts";

interface Context {
  vars: Record<string, unknown>;
}
interface Events {
  emit(type: "counter", name: string, value: number): void;
}
interface RequestParams {
  url?: string;
  json?: unknown;
  headers?: Record<string, string>;
}
interface Response {
  statusCode: number;
}
type Done = (error?: Error) => void;

const workloads = new Map<string, ReturnType<typeof createWorkload>>();

const numberVar = (context: Context, name: string, fallback: number) => {
  const value = Number(context.vars[name]);
  return Number.isFinite(value) ? value : fallback;
};

function workloadOf(context: Context) {
  const options = {
    repeatShare: numberVar(context, "repeatShare", DEFAULT_WORKLOAD.repeatShare),
    poolSize: numberVar(context, "poolSize", DEFAULT_WORKLOAD.poolSize),
    zipfExponent: numberVar(context, "zipfExponent", DEFAULT_WORKLOAD.zipfExponent),
    salt: process.env.LOADTEST_RUN_SALT ?? DEFAULT_WORKLOAD.salt,
  };
  const id = JSON.stringify(options);
  let workload = workloads.get(id);
  if (!workload) {
    workload = createWorkload(options);
    workloads.set(id, workload);
  }
  return workload;
}

const keyFor = (kind: "scorer" | "viewer") =>
  (kind === "scorer" ? process.env.LOADTEST_SCORER_KEY : process.env.LOADTEST_VIEWER_KEY) ??
  process.env.LOADTEST_API_KEY ??
  "";

/** beforeScenario: the credentials this virtual user sends. */
export function setCredentials(context: Context, _events: Events, done: Done) {
  context.vars.scorerKey = keyFor("scorer");
  context.vars.viewerKey = keyFor("viewer");
  done();
}

/** beforeRequest: one transaction from the workload (repeat or fresh). */
export function singleTransaction(params: RequestParams, context: Context, _events: Events, done: Done) {
  params.json = workloadOf(context).next();
  done();
}

/** beforeRequest: batchMin..batchMax transactions (uniform), from the same workload. */
export function transactionBatch(params: RequestParams, context: Context, _events: Events, done: Done) {
  const min = numberVar(context, "batchMin", 10);
  const max = numberVar(context, "batchMax", 100);
  const size = min + Math.floor(Math.random() * (max - min + 1));
  params.json = { transactions: workloadOf(context).batch(size) };
  done();
}

/**
 * afterResponse: counts every answer so `ensure` has an error rate that always exists (artillery only
 * creates http.codes.NNN for codes it saw). 429 and 503 are counted apart: under overload they are the
 * intended answer, not a failure.
 */
export function countOutcome(
  _params: RequestParams,
  response: Response,
  _context: Context,
  events: Events,
  done: Done,
) {
  const status = response.statusCode;
  const isShed = status === 429 || status === 503;
  events.emit("counter", "chainwatch.responses", 1);
  events.emit("counter", "chainwatch.errors", status >= 400 && !isShed ? 1 : 0);
  events.emit("counter", "chainwatch.shed", isShed ? 1 : 0);
  done();
}
