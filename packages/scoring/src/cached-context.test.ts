import { type Cache, createCache, createMemoryStore } from "@chainwatch/cache";
import {
  type AddressStateStore,
  createContextScorer,
  createMemoryStateStore,
  type Observation,
} from "@chainwatch/context";
import {
  contentFingerprint,
  loadDefaultModel,
  type NormalizedTransaction,
  normalizeTransaction,
  type Scorer,
} from "@chainwatch/model";
import { createLogger } from "@chainwatch/service-kit";
import { describe, expect, it } from "vitest";
import { mutableModelProvider } from "./model-provider.ts";
import { createScoringService } from "./scoring-service.ts";

const active = loadDefaultModel();
const shadow: Scorer = { ...active, modelVersion: "if-shadow00001" };
const SENDER = `0x${"5".repeat(40)}`;
const recipient = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
/** SENDER pays recipient n, n minutes after 1 750 000 000. */
const payment = (n: number): NormalizedTransaction =>
  normalizeTransaction({
    hash: `0x${n.toString(16).padStart(64, "0")}`,
    from: SENDER,
    to: recipient(n),
    value: 0.1 * n,
    gas: 21_000,
    gasPrice: 25,
    timestamp: 1_750_000_000 + 60 * n,
  });

const newCache = () =>
  createCache({ store: createMemoryStore(), logger: createLogger({ name: "t", level: "silent" }) });

/** The memory store, recording which observations asked for a view. */
function recordingStore() {
  const store = createMemoryStateStore();
  const asked: boolean[][] = [];
  const recording: AddressStateStore = {
    ...store,
    observe: (observations: readonly Observation[]) => {
      asked.push(observations.map((observation) => observation.viewNeeded !== false));
      return store.observe(observations);
    },
  };
  return { store: recording, asked };
}

function service(cache: Cache, store: AddressStateStore, shadows: Scorer[] = []) {
  return createScoringService({
    models: mutableModelProvider({ active, canary: null, shadows }),
    cache,
    context: createContextScorer({ store }),
  });
}

/** Caches verdicts computed while the address state was down: scored without it, never applied to it. */
async function cachedWhileStateDown(cache: Cache, transactions: NormalizedTransaction[]) {
  const down: AddressStateStore = {
    ...createMemoryStateStore(),
    observe: async () => {
      throw new Error("address state unavailable");
    },
  };
  const outcome = await service(cache, down).scoreBatch(transactions);
  expect(outcome.computed).toBe(transactions.length);
  expect(await outcome.cacheWrite).toBe(true);
}

describe("cached verdicts and the address state", () => {
  it("counts a cached transaction the state never applied, once, without building its view", async () => {
    const cache = newCache();
    await cachedWhileStateDown(cache, [payment(1)]);
    const { store, asked } = recordingStore();
    const scoring = service(cache, store);

    const outcome = await scoring.scoreBatch([payment(1), payment(2)]);
    expect(outcome).toMatchObject({ fromCache: 1, computed: 1, appliedBefore: [] });
    expect((await store.peek(SENDER))?.outCount).toBe(2);
    expect((await store.peek(recipient(1)))?.inCount).toBe(1);
    // The computed payment saw the cached one in its sender's history.
    expect(outcome.contexts.get(contentFingerprint(payment(2)))?.senderOutCount).toBe(1);
    expect(asked).toEqual([[false, true]]);
    expect(outcome.contexts.has(contentFingerprint(payment(1)))).toBe(false);
  });

  it("changes nothing for a repeated cache hit, and reports it as applied before", async () => {
    const cache = newCache();
    const { store, asked } = recordingStore();
    const scoring = service(cache, store);
    await (await scoring.scoreBatch([payment(1), payment(2)])).cacheWrite;
    const before = [await store.peek(SENDER), await store.peek(recipient(1)), await store.peek(recipient(2))];
    expect(before.map((state) => [state?.outCount, state?.inCount])).toEqual([
      [2, 0],
      [0, 1],
      [0, 1],
    ]);

    const outcome = await scoring.scoreBatch([payment(2), payment(1), payment(2)]);
    expect(outcome).toMatchObject({ fromCache: 2, computed: 0 });
    expect(asked[1]).toEqual([false, false]);
    expect(outcome.contexts.size).toBe(0);
    expect(outcome.appliedBefore).toEqual([payment(2).hash, payment(1).hash]);
    expect([
      await store.peek(SENDER),
      await store.peek(recipient(1)),
      await store.peek(recipient(2)),
    ]).toEqual(before);
  });

  it("gives the computed ones the verdicts and views they got when every view was built", async () => {
    // The same history twice; with a shadow model serving, every transaction's view is built (as before).
    const histories = [false, true].map((withShadow) => {
      const cache = newCache();
      const { store, asked } = recordingStore();
      return { cache, store, asked, scoring: service(cache, store, withShadow ? [shadow] : []) };
    });
    const batch = [payment(1), payment(3), payment(2), payment(4), payment(1)];
    const outcomes = [];
    for (const history of histories) {
      await cachedWhileStateDown(history.cache, [payment(1), payment(2)]);
      await (await history.scoring.scoreBatch([payment(5)])).cacheWrite;
      outcomes.push(await history.scoring.scoreBatch(batch));
    }
    const [lean, full] = outcomes;
    expect(histories.map((history) => history.asked[1])).toEqual([
      [false, true, false, true],
      [true, true, true, true],
    ]);
    expect(lean?.results.map((result) => result.cached)).toEqual([true, false, true, false, true]);
    expect(lean?.results).toEqual(full?.results);
    for (const n of [3, 4]) {
      const fingerprint = contentFingerprint(payment(n));
      expect(lean?.contexts.get(fingerprint)).toEqual(full?.contexts.get(fingerprint));
      expect(lean?.features.get(fingerprint)).toEqual(full?.features.get(fingerprint));
    }
    // payment(5) first, then 1, 3 and 2 before payment(4).
    expect(lean?.contexts.get(contentFingerprint(payment(4)))?.senderOutCount).toBe(4);
    expect(full?.contexts.has(contentFingerprint(payment(1)))).toBe(true);
    expect(lean?.contexts.has(contentFingerprint(payment(1)))).toBe(false);
    expect(lean?.incidentCorrections).toEqual(full?.incidentCorrections);
    expect(await histories[0]?.store.peek(SENDER)).toEqual(await histories[1]?.store.peek(SENDER));
  });

  it("builds a cached transaction's view while a shadow model serves: the shadow may have to compute it", async () => {
    const cache = newCache();
    const { store } = recordingStore();
    const scoring = service(cache, store, [shadow]);
    await (await scoring.scoreBatch([payment(1)])).cacheWrite;
    const outcome = await scoring.scoreBatch([payment(1)]);
    expect(outcome.fromCache).toBe(1);
    const view = outcome.contexts.get(contentFingerprint(payment(1)));
    // A repeat sees the state with itself in it, as any redelivery does.
    expect(view).toMatchObject({ available: true, applied: false, senderOutCount: 1 });
    // The shadow never scored it: it computes it, with that view (no view: no ctx_* features stored).
    const [shadowed] = await scoring.scoreShadows([payment(1)], outcome.contexts);
    expect(shadowed?.results[0]?.cached).toBe(false);
    expect(shadowed?.features.get(contentFingerprint(payment(1)))?.ctx_sender_known).toBe(1);
  });
});
