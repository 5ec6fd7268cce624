import {
  contentFingerprint,
  type NormalizedTransaction,
  SPEC_2_FEATURE_COUNT,
  TrainingError,
} from "@chainwatch/model";
import { writeSpec2Features } from "../context-features.ts";
import { createContextScorer } from "../context-scorer.ts";
import { createMemoryStateStore } from "../memory-state-store.ts";
import type { AddressStateStore } from "../state-store.ts";

export interface Spec2RowsOptions {
  /**
   * Transactions per store call (default 1,000). The rows do not depend on it: the store applies a batch
   * in order, each transaction seeing the ones before it (spec-2-parity test, batches of 7 against 100).
   */
  batchSize?: number;
  /** Where the address state lives; default a fresh in-memory store, as serving's embedded default. */
  store?: AddressStateStore;
  /**
   * Content fingerprints remembered to skip repeats (default 1,000,000, the memory store's bound on
   * applied hashes): a repeat is a cache hit when served, so it never adds a stored feature vector.
   */
  maxRememberedFingerprints?: number;
}

/** One transaction's spec-2 row (spec 1 then the context features), as the scoring service computes it. */
export interface Spec2Row {
  tx: NormalizedTransaction;
  fingerprint: string;
  /** SPEC_2_FEATURE_NAMES order. */
  values: Float64Array;
}

export interface Spec2RowCounts {
  /** Transactions read, repeats included. */
  transactions: number;
  /** Repeated contents (same fingerprint as an earlier transaction): observed once, one row. */
  duplicates: number;
  /** Transactions older than one before them: the state saw them late; the file should be time-ordered. */
  outOfOrder: number;
}

/**
 * Streams time-ordered transactions through the address state, batch by batch, and yields each distinct
 * transaction's spec-2 row: the state before its own update, exactly as the scoring service sees it
 * (`createContextScorer` over the same store code, the same `writeSpec2Features`). A transaction without a
 * timestamp is placed at the latest timestamp before its batch (serving uses the clock; a trainer must be
 * reproducible). A store failure is a TrainingError: training never learns from stand-in context.
 */
export function streamSpec2Rows(
  transactions: AsyncIterable<NormalizedTransaction> | Iterable<NormalizedTransaction>,
  options: Spec2RowsOptions = {},
): { rows: AsyncGenerator<Spec2Row>; counts: Readonly<Spec2RowCounts> } {
  const batchSize = options.batchSize ?? 1_000;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError("batchSize must be an integer >= 1");
  const maxRemembered = options.maxRememberedFingerprints ?? 1_000_000;
  const counts: Spec2RowCounts = { transactions: 0, duplicates: 0, outOfOrder: 0 };
  let latest = 0;
  let failure: unknown;
  const context = createContextScorer({
    store: options.store ?? createMemoryStateStore(),
    nowSeconds: () => latest,
    onUnavailable: (error) => {
      failure = error;
    },
  });
  const seen = new Set<string>();

  async function* rowsOf(
    batch: { tx: NormalizedTransaction; fingerprint: string }[],
  ): AsyncGenerator<Spec2Row> {
    const views = await context.observe(batch.map((item) => item.tx));
    for (const [index, { tx, fingerprint }] of batch.entries()) {
      const view = views[index];
      if (view === undefined || !view.available)
        throw new TrainingError("TRAINING_FAILED", "the address state failed while building spec-2 rows", {
          cause: failure,
        });
      const values = new Float64Array(SPEC_2_FEATURE_COUNT);
      writeSpec2Features(tx, view, values, 0);
      yield { tx, fingerprint, values };
    }
  }

  async function* rows(): AsyncGenerator<Spec2Row> {
    let batch: { tx: NormalizedTransaction; fingerprint: string }[] = [];
    let batchLatest = latest;
    for await (const tx of transactions) {
      counts.transactions++;
      const fingerprint = contentFingerprint(tx);
      if (seen.has(fingerprint)) {
        counts.duplicates++;
        continue;
      }
      seen.add(fingerprint);
      if (seen.size > maxRemembered) seen.delete(seen.values().next().value as string);
      if (tx.timestamp !== null) {
        if (tx.timestamp < batchLatest) counts.outOfOrder++;
        else batchLatest = tx.timestamp;
      }
      batch.push({ tx, fingerprint });
      if (batch.length >= batchSize) {
        yield* rowsOf(batch);
        latest = batchLatest;
        batch = [];
      }
    }
    if (batch.length > 0) yield* rowsOf(batch);
  }

  return { rows: rows(), counts };
}
