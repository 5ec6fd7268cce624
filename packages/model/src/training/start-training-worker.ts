import { type ResourceLimits, Worker } from "node:worker_threads";
import { TRAINING_ERROR_CODES, TrainingError, type TrainingErrorCode } from "../errors.ts";
import type { TrainingRow } from "../features.ts";
import type { TrainingProgress } from "../train-model.ts";
import { type TrainingParameters, TrainingParametersSchema } from "./training-parameters.ts";
import type { TrainingJobOutput, TrainWorkerData, WorkerMessage } from "./worker-protocol.ts";

/** The worker entry, for `new Worker(TRAIN_WORKER_URL, { workerData })` when driving the protocol yourself. */
export const TRAIN_WORKER_URL: URL = new URL("./train-worker.ts", import.meta.url);

export type StartTrainingWorkerOptions = {
  /** Rows to stream to the worker, or a file it reads itself. */
  input:
    | { kind: "rows"; rows: AsyncIterable<TrainingRow> | Iterable<TrainingRow> }
    | { kind: "file"; path: string; where?: { column: string; value: string }; onBadRow?: "skip" | "fail" };
  /** Validated with TrainingParametersSchema; missing ones take the CLI's defaults. */
  parameters?: Partial<TrainingParameters>;
  createdAt?: string;
  source?: string;
  /** See trainModelFromRows: refuse more rows than this. */
  maxRows?: number;
  progressEveryRows?: number;
  /** Rows per message (default 2,000): big enough to amortise a message, small enough to keep two in flight cheap. */
  batchSize?: number;
  onProgress?: (progress: TrainingProgress) => void;
  /** Aborting terminates the worker; `result` rejects with TRAINING_ABORTED. */
  signal?: AbortSignal;
  /** Heap limits of the worker thread, e.g. { maxOldGenerationSizeMb: 2048 } (72 bytes per row). */
  resourceLimits?: ResourceLimits;
};

export type TrainingWorkerHandle = {
  threadId: number;
  /** The model and its metadata; rejects with TrainingError (or RangeError for bad parameters). */
  result: Promise<TrainingJobOutput>;
  /** Terminates the worker; `result` rejects with TRAINING_ABORTED. Idempotent. */
  cancel(): Promise<void>;
};

/**
 * Trains in a worker thread so a request thread never runs the CPU-bound fit: the gateway's
 * POST /models/train starts one per job and reports `onProgress` events from GET /models/jobs/:id. Rows
 * given as an iterable are pulled from it only as fast as the worker consumes them.
 */
export function startTrainingWorker(options: StartTrainingWorkerOptions): TrainingWorkerHandle {
  const parameters = TrainingParametersSchema.parse(options.parameters ?? {});
  const batchSize = options.batchSize ?? 2_000;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError("batchSize must be an integer >= 1");
  const { input } = options;
  const workerData: TrainWorkerData = {
    input: input.kind === "rows" ? { kind: "rows" } : input,
    parameters,
    ...(options.createdAt === undefined ? {} : { createdAt: options.createdAt }),
    ...(options.source === undefined ? {} : { source: options.source }),
    ...(options.maxRows === undefined ? {} : { maxRows: options.maxRows }),
    ...(options.progressEveryRows === undefined ? {} : { progressEveryRows: options.progressEveryRows }),
  };
  const worker = new Worker(TRAIN_WORKER_URL, {
    workerData,
    ...(options.resourceLimits === undefined ? {} : { resourceLimits: options.resourceLimits }),
  });

  let settled = false;
  let credits = 0;
  let wakePump: (() => void) | undefined;
  let resolveResult!: (output: TrainingJobOutput) => void;
  let rejectResult!: (error: unknown) => void;
  const result = new Promise<TrainingJobOutput>((resolve, reject) => {
    resolveResult = resolve;
    rejectResult = reject;
  });
  // A caller that only awaits cancel() must not see an unhandled rejection.
  result.catch(() => {});

  const settle = (outcome: { output: TrainingJobOutput } | { error: unknown }) => {
    if (settled) return;
    settled = true;
    wakePump?.();
    options.signal?.removeEventListener("abort", onAbort);
    if ("output" in outcome) resolveResult(outcome.output);
    else {
      rejectResult(outcome.error);
      void worker.terminate();
    }
  };

  worker.on("message", (message: WorkerMessage) => {
    if (message.type === "pull") {
      credits++;
      wakePump?.();
      wakePump = undefined;
    } else if (message.type === "progress") options.onProgress?.(message.progress);
    else if (message.type === "done") settle({ output: message.output });
    else settle({ error: reviveError(message.error) });
  });
  worker.on("error", (error) =>
    settle({
      error: new TrainingError("TRAINING_FAILED", `training worker failed: ${error.message}`, {
        cause: error,
      }),
    }),
  );
  worker.on("exit", (code) =>
    settle({
      error: new TrainingError(
        "TRAINING_FAILED",
        `training worker exited with code ${code} before finishing`,
      ),
    }),
  );

  const cancelled = () => new TrainingError("TRAINING_ABORTED", "training was cancelled");
  const onAbort = () => settle({ error: cancelled() });
  if (options.signal?.aborted) queueMicrotask(onAbort);
  else options.signal?.addEventListener("abort", onAbort, { once: true });

  if (input.kind === "rows") void pump(input.rows);

  async function pump(rows: AsyncIterable<TrainingRow> | Iterable<TrainingRow>): Promise<void> {
    const send = async (batch: TrainingRow[]) => {
      while (credits === 0 && !settled) await new Promise<void>((resolve) => (wakePump = resolve));
      if (settled) return;
      credits--;
      worker.postMessage({ type: "rows", rows: batch });
    };
    try {
      let batch: TrainingRow[] = [];
      for await (const row of rows) {
        if (settled) return;
        batch.push(row);
        if (batch.length >= batchSize) {
          await send(batch);
          batch = [];
        }
      }
      if (batch.length > 0) await send(batch);
      if (!settled) worker.postMessage({ type: "end" });
    } catch (error) {
      settle({
        error: new TrainingError(
          "TRAINING_FAILED",
          `reading training rows failed: ${(error as Error).message}`,
          {
            cause: error,
          },
        ),
      });
    }
  }

  let cancelling: Promise<void> | undefined;
  return {
    threadId: worker.threadId,
    result,
    cancel() {
      cancelling ??= (async () => {
        settle({ error: cancelled() });
        await worker.terminate();
      })();
      return cancelling;
    },
  };
}

function reviveError(error: { name: string; code?: string; message: string }): Error {
  if (error.name === "RangeError") return new RangeError(error.message);
  const code = TRAINING_ERROR_CODES.includes(error.code as TrainingErrorCode)
    ? (error.code as TrainingErrorCode)
    : "TRAINING_FAILED";
  return new TrainingError(code, error.message);
}
