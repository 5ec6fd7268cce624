import {
  extractFeatures,
  generateSyntheticTraffic,
  type NormalizedTransaction,
  parseModelFile,
  SPEC_2_FEATURE_NAMES,
  serializeModel,
  TrainingError,
  trainModelFromFeatureRows,
} from "@chainwatch/model";
import { describe, expect, it } from "vitest";
import { contextFeatureValues } from "../context-features.ts";
import { createContextScorer } from "../context-scorer.ts";
import { createMemoryStateStore } from "../memory-state-store.ts";
import type { AddressStateStore } from "../state-store.ts";
import { streamSpec2Rows } from "./spec-2-rows.ts";
import { trainSpec2Model } from "./train-spec-2.ts";

/** ~13 transactions a second among 60 addresses: senders with history, bursts, new pairs. */
const stream = generateSyntheticTraffic({ count: 1_200, seed: 31, addresses: 60 }).transactions;
const options = { seed: 9, nEstimators: 20, contamination: 0.02 as const, source: "test" };

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const codeOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => (error instanceof TrainingError ? error.code : String(error)),
  );

describe("streamSpec2Rows", () => {
  it("gives each transaction spec 1 then the context it had before its own update", async () => {
    const views = await createContextScorer({ store: createMemoryStateStore() }).observe(stream);
    const rows = await collect(streamSpec2Rows(stream).rows);
    expect(rows).toHaveLength(stream.length);
    rows.forEach((row, index) => {
      const tx = stream[index] as NormalizedTransaction;
      expect(row.tx).toBe(tx);
      expect([...row.values]).toEqual([
        ...extractFeatures(tx),
        ...contextFeatureValues(views[index] as NonNullable<(typeof views)[number]>),
      ]);
    });
    // the stream has history: known senders, repeat pairs and first-time senders all occur
    const column = (name: string) => rows.map((row) => row.values[SPEC_2_FEATURE_NAMES.indexOf(name)]);
    expect(new Set(column("ctx_sender_known"))).toEqual(new Set([0, 1]));
    expect(new Set(column("ctx_recipient_new_for_sender"))).toEqual(new Set([0, 1]));
  });

  it("gives the same rows whatever the batch size", async () => {
    const rowsOf = async (batchSize: number) =>
      (await collect(streamSpec2Rows(stream, { batchSize }).rows)).map((row) => [...row.values]);
    const whole = await rowsOf(10_000);
    expect(await rowsOf(1)).toEqual(whole);
    expect(await rowsOf(7)).toEqual(whole);
    expect(await rowsOf(100)).toEqual(whole);
  });

  it("skips repeated contents and counts them, and counts transactions out of time order", async () => {
    const [a, b, c] = stream as [NormalizedTransaction, NormalizedTransaction, NormalizedTransaction];
    const late = { ...c, hash: `0x${"e".repeat(64)}`, timestamp: (a.timestamp ?? 0) - 60 };
    const { rows, counts } = streamSpec2Rows([a, b, a, late, b], { batchSize: 2 });
    const out = await collect(rows);
    expect(out.map((row) => row.tx.hash)).toEqual([a.hash, b.hash, late.hash]);
    expect(counts).toEqual({ transactions: 5, duplicates: 2, outOfOrder: 1 });
  });

  it("refuses to build rows when the address state fails (never stand-in context)", async () => {
    const failing: AddressStateStore = {
      kind: "memory",
      observe: async () => {
        throw new Error("down");
      },
      peek: async () => null,
      openIncidents: async () => [],
      roundTrips: () => 0,
      evictions: () => 0,
    };
    expect(await codeOf(collect(streamSpec2Rows(stream, { store: failing }).rows))).toBe("TRAINING_FAILED");
  });
});

describe("trainSpec2Model", () => {
  it("trains a spec-2 model on the streamed rows, reproducibly, createdAt from the data", async () => {
    const result = await trainSpec2Model(stream, { ...options, batchSize: 250 });
    expect(result).toMatchObject({ rows: stream.length, transactions: stream.length, duplicates: 0 });
    const { model } = result;
    expect(model.content.featureSpecVersion).toBe(2);
    expect(model.content.featureNames).toEqual(SPEC_2_FEATURE_NAMES);
    expect(serializeModel(parseModelFile(serializeModel(model)))).toBe(serializeModel(model));
    const latest = Math.max(...stream.map((tx) => tx.timestamp ?? 0));
    expect(model.content.createdAt).toBe(new Date(latest * 1000).toISOString());
    // the same as training on the rows themselves; the batch size changes nothing
    const rows = await collect(streamSpec2Rows(stream).rows);
    const direct = await trainModelFromFeatureRows(
      rows.map((row) => ({ values: row.values, timestamp: row.tx.timestamp })),
      { ...options, featureSpecVersion: 2 },
    );
    expect(serializeModel(direct.model)).toBe(serializeModel(model));
    expect(serializeModel((await trainSpec2Model(stream, { ...options, batchSize: 33 })).model)).toBe(
      serializeModel(model),
    );
  });

  it("refuses an empty stream", async () => {
    expect(await codeOf(trainSpec2Model([], options))).toBe("TRAINING_NO_ROWS");
  });
});
