import { describe, expect, it } from "vitest";
import { TrainingError } from "../errors.ts";
import { serializeModel } from "../model-file.ts";
import { generateSyntheticTraffic } from "../synthetic-traffic.ts";
import { type TrainingProgress, trainModel } from "../train-model.ts";
import { trainModelFromRows } from "./train-from-rows.ts";
import { toSummary } from "./training-fixtures.ts";
import { TrainingParametersSchema, trainOptionsFrom } from "./training-parameters.ts";

const txs = generateSyntheticTraffic({ count: 3_000, seed: 21 }).transactions;
const options = {
  ...trainOptionsFrom(TrainingParametersSchema.parse({ trees: 15, seed: 3 })),
  source: "test",
};

async function* slowly<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const [index, item] of items.entries()) {
    if (index % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
    yield item;
  }
}

const codeOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => (error instanceof TrainingError ? error.code : String(error)),
  );

describe("trainModelFromRows", () => {
  it("gives the bytes trainModel gives for the same transactions, createdAt from the data", async () => {
    const expected = serializeModel(trainModel(txs, options));
    const { model, rows } = await trainModelFromRows(slowly(txs), options);
    expect(rows).toBe(3_000);
    expect(serializeModel(model)).toBe(expected);
    const latest = Math.max(...txs.map((tx) => tx.timestamp ?? 0));
    expect(model.content.createdAt).toBe(new Date(latest * 1000).toISOString());
    expect(model.content.training.source).toBe("test");
  });

  it("gives the same bytes for stored-transaction summaries (call data as a size) as for full transactions", async () => {
    const full = await trainModelFromRows(txs, options);
    const summaries = await trainModelFromRows(slowly(txs.map(toSummary)), options);
    expect(serializeModel(summaries.model)).toBe(serializeModel(full.model));
    // and a different seed gives a different model
    expect((await trainModelFromRows(txs, { ...options, seed: 4 })).model.modelVersion).not.toBe(
      full.model.modelVersion,
    );
  });

  it("reports reading progress and each phase, ending with the version", async () => {
    const events: TrainingProgress[] = [];
    const { model } = await trainModelFromRows(txs, {
      ...options,
      progressEveryRows: 1_000,
      onProgress: (event) => events.push(event),
    });
    expect(events).toEqual([
      { phase: "reading", rows: 1_000 },
      { phase: "reading", rows: 2_000 },
      { phase: "reading", rows: 3_000 },
      { phase: "fitting", rows: 3_000 },
      { phase: "scoring", rows: 3_000 },
      { phase: "summarising", rows: 3_000 },
      { phase: "done", rows: 3_000, modelVersion: model.modelVersion },
    ]);
  });

  it("uses the epoch when no row has a timestamp, or the createdAt given", async () => {
    const undated = txs.slice(0, 300).map((tx) => ({ ...toSummary(tx), timestamp: null }));
    expect((await trainModelFromRows(undated, options)).model.content.createdAt).toBe(
      "1970-01-01T00:00:00.000Z",
    );
    const dated = await trainModelFromRows(undated, { ...options, createdAt: "2025-02-03T04:05:06Z" });
    expect(dated.model.content.createdAt).toBe("2025-02-03T04:05:06.000Z");
  });

  it("refuses no rows, too many rows and a cancelled job with typed errors", async () => {
    expect(await codeOf(trainModelFromRows([], options))).toBe("TRAINING_NO_ROWS");
    expect(await codeOf(trainModelFromRows(txs, { ...options, maxRows: 2_999 }))).toBe(
      "TRAINING_TOO_MANY_ROWS",
    );
    expect((await trainModelFromRows(txs, { ...options, maxRows: 3_000 })).rows).toBe(3_000);
    const controller = new AbortController();
    controller.abort();
    expect(await codeOf(trainModelFromRows(txs, { ...options, signal: controller.signal }))).toBe(
      "TRAINING_ABORTED",
    );
  });
});

describe("TrainingParametersSchema", () => {
  it("defaults to the CLI's defaults and bounds what an API may ask for", () => {
    expect(TrainingParametersSchema.parse({})).toEqual({
      seed: 42,
      trees: 100,
      sampleSize: "auto",
      contamination: "auto",
    });
    expect(
      trainOptionsFrom(TrainingParametersSchema.parse({ trees: 5, sampleSize: 64, contamination: 0.01 })),
    ).toEqual({
      seed: 42,
      nEstimators: 5,
      maxSamples: 64,
      contamination: 0.01,
    });
    for (const bad of [
      { seed: -1 },
      { seed: 2 ** 32 },
      { trees: 0 },
      { trees: 10_001 },
      { contamination: 0.6 },
      { x: 1 },
    ]) {
      expect(TrainingParametersSchema.safeParse(bad).success).toBe(false);
    }
  });
});
