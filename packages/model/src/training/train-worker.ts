/**
 * Worker-thread entry for training off the request path: `new Worker(TRAIN_WORKER_URL, { workerData })`
 * with TrainWorkerData, or start it through startTrainingWorker, which also speaks the protocol below.
 * A .ts file: Node 24 strips its types like any other module in this repository (erasable syntax only).
 *
 * Protocol (worker-protocol.ts): with input "rows" the worker posts `pull` whenever it can take a batch
 * (two batches in flight at most) and the parent answers with `rows` batches and finally `end`; with input
 * "file" it reads the file itself. Either way it posts `progress` events, then `done` with the serialised
 * model, or `error`. It exits on its own once done.
 */
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import { readTransactions } from "../cli/read-transactions.ts";
import { TrainingError } from "../errors.ts";
import type { TrainingRow } from "../features.ts";
import { describeModel, serializeModel } from "../model-file.ts";
import { trainModelFromRows } from "./train-from-rows.ts";
import { trainOptionsFrom } from "./training-parameters.ts";
import type { ParentMessage, TrainWorkerData, WorkerMessage } from "./worker-protocol.ts";

if (parentPort === null)
  throw new Error("train-worker.ts runs in a worker thread (new Worker(TRAIN_WORKER_URL))");
const port: MessagePort = parentPort;
const post = (message: WorkerMessage) => port.postMessage(message);
const data = workerData as TrainWorkerData;

let badRows = 0;

async function* fileRows(
  input: Extract<TrainWorkerData["input"], { kind: "file" }>,
): AsyncGenerator<TrainingRow> {
  const options = input.where === undefined ? {} : { where: input.where };
  for await (const row of readTransactions(input.path, options)) {
    if (row.ok) yield row.tx;
    else if (input.onBadRow === "skip") badRows++;
    else throw new TrainingError("TRAINING_BAD_ROW", `line ${row.line}: ${row.message}`);
  }
}

/** Rows the parent streams, pulled one batch at a time so a fast reader cannot flood this thread's heap. */
async function* messageRows(): AsyncGenerator<TrainingRow> {
  const queue: (TrainingRow[] | null)[] = [];
  let wake: (() => void) | undefined;
  port.on("message", (message: ParentMessage) => {
    queue.push(message.type === "rows" ? message.rows : null);
    wake?.();
    wake = undefined;
  });
  post({ type: "pull" });
  post({ type: "pull" });
  for (;;) {
    if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    const batch = queue.shift();
    if (batch === null || batch === undefined) break;
    post({ type: "pull" });
    yield* batch;
  }
  port.removeAllListeners("message");
}

try {
  const source = data.input.kind === "file" ? fileRows(data.input) : messageRows();
  const { model, rows } = await trainModelFromRows(source, {
    ...trainOptionsFrom(data.parameters),
    ...(data.createdAt === undefined ? {} : { createdAt: data.createdAt }),
    ...(data.source === undefined ? {} : { source: data.source }),
    ...(data.maxRows === undefined ? {} : { maxRows: data.maxRows }),
    ...(data.progressEveryRows === undefined ? {} : { progressEveryRows: data.progressEveryRows }),
    onProgress: (progress) => post({ type: "progress", progress }),
  });
  post({
    type: "done",
    output: {
      modelJson: serializeModel(model),
      modelVersion: model.modelVersion,
      checksum: model.checksum.value,
      metadata: describeModel(model),
      rows,
      badRows,
    },
  });
} catch (error) {
  const { name, message, code } = error as { name?: string; message?: string; code?: unknown };
  post({
    type: "error",
    error: {
      name: name ?? "Error",
      message: message ?? String(error),
      ...(typeof code === "string" ? { code } : {}),
    },
  });
} finally {
  port.unref();
}
