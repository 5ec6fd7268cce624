/**
 * The auto-baseline's training thread (started by trainBaselineInThread): fits the spec-2 model on the rows
 * in its workerData, posts the baseline or the error's message once, and ends. A .ts file Node runs
 * directly, as the store's PGlite thread.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { BaselineThreadData, BaselineThreadReply } from "./train-baseline.ts";
import { trainBaselineFromServed } from "./train-baseline.ts";

if (parentPort === null) throw new Error("train-baseline-thread.ts runs in a worker thread");
const port = parentPort;
const { rows } = workerData as BaselineThreadData;
let reply: BaselineThreadReply;
try {
  reply = { ok: true, baseline: await trainBaselineFromServed(rows) };
} catch (error) {
  reply = { ok: false, message: error instanceof Error ? error.message : String(error) };
}
port.postMessage(reply);
