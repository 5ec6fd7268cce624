import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import { TrainingError } from "../errors.ts";
import { parseModelFile, serializeModel } from "../model-file.ts";
import { generateSyntheticTraffic } from "../synthetic-traffic.ts";
import type { TrainingProgress } from "../train-model.ts";
import { startTrainingWorker, TRAIN_WORKER_URL } from "./start-training-worker.ts";
import { trainModelFromRows } from "./train-from-rows.ts";
import { toRpcJson, toSummary } from "./training-fixtures.ts";
import { TrainingParametersSchema, trainOptionsFrom } from "./training-parameters.ts";
import type { TrainWorkerData, WorkerMessage } from "./worker-protocol.ts";

const dir = mkdtempSync(join(tmpdir(), "chainwatch-train-worker-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const txs = generateSyntheticTraffic({ count: 4_000, seed: 31 }).transactions;
const parameters = TrainingParametersSchema.parse({ trees: 12, seed: 9, contamination: 0.02 });
const expected = trainModelFromRows(txs, { ...trainOptionsFrom(parameters), source: "window" }).then(
  ({ model }) => serializeModel(model),
);

async function* fromStore<T>(rows: readonly T[]): AsyncGenerator<T> {
  for (let i = 0; i < rows.length; i += 1_000) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    yield* rows.slice(i, i + 1_000);
  }
}

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "resolved",
    (error: unknown) => (error instanceof TrainingError ? error.code : `${(error as Error).name}`),
  );

describe("startTrainingWorker (a .ts worker thread under Node type stripping)", () => {
  it("trains streamed rows (bigint amounts cross the thread) to the same bytes as in-process training", async () => {
    const events: TrainingProgress[] = [];
    const pulled: number[] = [];
    let read = 0;
    async function* counted() {
      for await (const row of fromStore(txs.map(toSummary))) {
        read++;
        if (read % 1_000 === 0) pulled.push(read);
        yield row;
      }
    }
    const job = startTrainingWorker({
      input: { kind: "rows", rows: counted() },
      parameters,
      source: "window",
      batchSize: 500,
      progressEveryRows: 1_000,
      onProgress: (event) => events.push(event),
    });
    expect(job.threadId).toBeGreaterThan(0);
    const output = await job.result;
    expect(output.modelJson).toBe(await expected);
    expect(output.rows).toBe(4_000);
    expect(output.badRows).toBe(0);
    const model = parseModelFile(output.modelJson);
    expect(output.modelVersion).toBe(model.modelVersion);
    expect(output.checksum).toBe(model.checksum.value);
    expect(output.metadata).toMatchObject({
      modelVersion: model.modelVersion,
      formatVersion: 2,
      hasDriftReference: true,
      training: { rows: 4_000, seed: 9, nEstimators: 12, contamination: 0.02, source: "window" },
    });
    expect(events.map((event) => event.phase)).toEqual([
      "reading",
      "reading",
      "reading",
      "reading",
      "fitting",
      "scoring",
      "summarising",
      "done",
    ]);
    expect(pulled).toEqual([1_000, 2_000, 3_000, 4_000]);
  });

  it("reads a file itself exactly as the CLI does, counting skipped lines", async () => {
    const path = join(dir, "window.jsonl");
    writeFileSync(path, [...txs.map(toRpcJson), "{broken"].join("\n"));
    const skip = startTrainingWorker({
      input: { kind: "file", path, onBadRow: "skip" },
      parameters,
      source: "window",
    });
    const output = await skip.result;
    expect(output.modelJson).toBe(await expected);
    expect(output.badRows).toBe(1);
    const fail = startTrainingWorker({ input: { kind: "file", path }, parameters });
    expect(await codeOf(fail.result)).toBe("TRAINING_BAD_ROW");
  });

  it("rejects with typed errors: no rows, too many rows, a failing source, bad parameters", async () => {
    expect(await codeOf(startTrainingWorker({ input: { kind: "rows", rows: [] }, parameters }).result)).toBe(
      "TRAINING_NO_ROWS",
    );
    const tooMany = startTrainingWorker({
      input: { kind: "rows", rows: fromStore(txs) },
      parameters,
      maxRows: 100,
    });
    expect(await codeOf(tooMany.result)).toBe("TRAINING_TOO_MANY_ROWS");
    async function* broken() {
      yield* txs.slice(0, 10);
      throw new Error("connection reset");
    }
    const failing = startTrainingWorker({ input: { kind: "rows", rows: broken() }, parameters });
    await expect(failing.result).rejects.toThrow(/reading training rows failed: connection reset/);
    expect(() =>
      startTrainingWorker({ input: { kind: "rows", rows: [] }, parameters: { trees: 0 } }),
    ).toThrow();
  });

  it("cancels: cancel() or an AbortSignal terminates the worker and rejects with TRAINING_ABORTED", async () => {
    async function* endless() {
      for (let i = 0; ; i++) {
        await new Promise((resolve) => setImmediate(resolve));
        yield txs[i % txs.length] as (typeof txs)[number];
      }
    }
    const job = startTrainingWorker({ input: { kind: "rows", rows: endless() }, parameters });
    setTimeout(() => void job.cancel(), 50);
    expect(await codeOf(job.result)).toBe("TRAINING_ABORTED");
    await job.cancel();
    const controller = new AbortController();
    const signalled = startTrainingWorker({
      input: { kind: "rows", rows: endless() },
      parameters,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    expect(await codeOf(signalled.result)).toBe("TRAINING_ABORTED");
  });

  it("can be spawned directly with new Worker(TRAIN_WORKER_URL) and driven by its message protocol", async () => {
    const workerData: TrainWorkerData = { input: { kind: "rows" }, parameters, source: "window" };
    const worker = new Worker(TRAIN_WORKER_URL, { workerData });
    // listen before anything awaits: it exits right after posting its result
    const exited = new Promise((resolve) => worker.once("exit", resolve));
    const queue = [...txs];
    const done = new Promise<string>((resolve, reject) => {
      worker.on("message", (message: WorkerMessage) => {
        if (message.type === "pull") {
          const rows = queue.splice(0, 1_500);
          worker.postMessage(rows.length > 0 ? { type: "rows", rows } : { type: "end" });
        } else if (message.type === "done") resolve(message.output.modelJson);
        else if (message.type === "error") reject(new Error(message.error.message));
      });
      worker.on("error", reject);
    });
    expect(await done).toBe(await expected);
    // it exits on its own once done
    expect(await exited).toBe(0);
  });
});
