/**
 * The embedded database's thread: owns one PGlite instance so its WebAssembly work (70 % of the gateway's CPU
 * on the embedded batch path, docs/benchmarks.md issue #21) runs off the gateway's event loop. Started by
 * createThreadedPgliteDatabase; speaks pglite-thread-protocol.ts. A .ts file: Node 24 strips its types
 * like any other module in this repository (erasable syntax only).
 *
 * Statements are answered as they finish and may arrive many at a time: PGlite serialises them itself. A
 * transaction stays open (inside PGlite's `transaction` callback) until the parent sends `end`, and PGlite's
 * transaction lock holds plain statements back until then, exactly as in the in-thread driver.
 */
import { parentPort, workerData } from "node:worker_threads";
import { messages, PGlite, type Transaction } from "@electric-sql/pglite";
import { pgliteSettings } from "./pglite-database.ts";
import { toQueryResult } from "./pglite-results.ts";
import {
  DATABASE_ERROR_FIELDS,
  type PgliteThreadData,
  type SerializedError,
  type ThreadReply,
  type ThreadRequest,
} from "./pglite-thread-protocol.ts";

if (parentPort === null) throw new Error("pglite-thread-worker.ts runs in a worker thread");
const port = parentPort;
const post = (reply: ThreadReply) => port.postMessage(reply);
const data = workerData as PgliteThreadData;

interface OpenTransaction {
  tx?: Transaction;
  decide(commit: boolean): void;
  /** The `end` request to answer when the transaction has finished. */
  endId?: number;
}
const transactions = new Map<number, OpenTransaction>();

function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error))
    return { name: "Error", message: String(error), isDatabaseError: false, fields: {} };
  const fields: Record<string, string> = {};
  const source = error as unknown as Record<string, unknown>;
  for (const field of DATABASE_ERROR_FIELDS) {
    const value = source[field];
    if (typeof value === "string") fields[field] = value;
  }
  return {
    name: error.name,
    message: error.message,
    isDatabaseError: error instanceof messages.DatabaseError,
    fields,
  };
}

let db: PGlite;
try {
  const settings = pgliteSettings(data);
  db = data.dataDir ? new PGlite(data.dataDir, settings) : new PGlite(settings);
  await db.waitReady;
} catch (error) {
  post({ type: "open-failed", error: serializeError(error) });
  process.exit(1);
}

/** The transaction a statement runs on, or the database itself. */
function target(txId: number | undefined): Pick<PGlite, "query" | "exec"> {
  if (txId === undefined) return db;
  const tx = transactions.get(txId)?.tx;
  if (!tx) throw new Error(`transaction ${txId} is not open (already committed or rolled back)`);
  return tx;
}

function begin(id: number, txId: number): void {
  let decide!: (commit: boolean) => void;
  const decision = new Promise<boolean>((resolve) => (decide = resolve));
  const open: OpenTransaction = { decide };
  transactions.set(txId, open);
  let isOpen = false;
  db.transaction(async (tx) => {
    open.tx = tx;
    isOpen = true;
    post({ type: "result", id });
    if (!(await decision)) await tx.rollback();
  }).then(
    () => finish(txId, undefined),
    (error: unknown) => (isOpen ? finish(txId, error) : failBegin(id, txId, error)),
  );
}

function finish(txId: number, error: unknown): void {
  const endId = transactions.get(txId)?.endId;
  transactions.delete(txId);
  if (endId === undefined) return;
  post(
    error === undefined
      ? { type: "result", id: endId }
      : { type: "error", id: endId, error: serializeError(error) },
  );
}

function failBegin(id: number, txId: number, error: unknown): void {
  transactions.delete(txId);
  post({ type: "error", id, error: serializeError(error) });
}

async function handle(request: Exclude<ThreadRequest, { type: "begin" | "end" | "close" }>): Promise<void> {
  try {
    if (request.type === "query") {
      const result = toQueryResult(await target(request.txId).query(request.sql, request.params));
      post({ type: "result", id: request.id, result });
    } else {
      await target(request.txId).exec(request.sql);
      post({ type: "result", id: request.id });
    }
  } catch (error) {
    post({ type: "error", id: request.id, error: serializeError(error) });
  }
}

async function close(id: number): Promise<void> {
  try {
    await db.close();
    post({ type: "result", id });
  } catch (error) {
    post({ type: "error", id, error: serializeError(error) });
  }
  port.close();
}

port.on("message", (request: ThreadRequest) => {
  if (request.type === "begin") begin(request.id, request.txId);
  else if (request.type === "end") {
    const open = transactions.get(request.txId);
    if (!open) {
      post({
        type: "error",
        id: request.id,
        error: serializeError(new Error(`transaction ${request.txId} is not open`)),
      });
      return;
    }
    open.endId = request.id;
    open.decide(request.commit);
  } else if (request.type === "close") void close(request.id);
  else void handle(request);
});
post({ type: "ready" });
