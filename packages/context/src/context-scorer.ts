import type { NormalizedTransaction } from "@chainwatch/model";
import type { Observation, ObserveReply } from "./address-state.ts";
import { type ContextView, viewContext } from "./context-view.ts";
import { groupIncidents, type IncidentCandidate, type IncidentGrouping } from "./incidents.ts";
import type { AddressStateStore } from "./state-store.ts";

export interface ContextScorerOptions {
  store: AddressStateStore;
  /** Called when the store fails; the batch is then scored without context (fail open). */
  onUnavailable?: (error: unknown) => void;
  nowSeconds?: () => number;
}

export interface ContextScorer {
  /**
   * Applies the transactions to the address state in order and returns, aligned, what each saw before its
   * own update. A store failure gives views with `available: false` (and the state misses this batch):
   * scoring never waits on or fails with the context.
   */
  observe(transactions: readonly NormalizedTransaction[]): Promise<ContextView[]>;
  /**
   * observe, for a batch where some views are not needed (`isViewNeeded[i]` false: a cached verdict). Those
   * transactions are applied in their place all the same when their hash never was, but get `null` instead
   * of a view, and cost the store nothing more than its applied-once marker when the hash was applied
   * before. A store failure gives `available: false` views where needed, `null` elsewhere.
   */
  observeBatch(
    transactions: readonly NormalizedTransaction[],
    isViewNeeded: readonly boolean[],
  ): Promise<ObservedBatch>;
  /**
   * Incidents of a batch's verdicts, in batch order (incidents.ts). A store failure gives no grouping (fail
   * open: each verdict stands as computed) and is reported like an observe failure.
   */
  groupIncidents(candidates: readonly IncidentCandidate[]): Promise<IncidentGrouping>;
}

export interface ObservedBatch {
  /** Aligned with the input: the view, or null where it was not needed. */
  views: (ContextView | null)[];
  /**
   * Hashes of the batch the state had applied before this call (redeliveries, repeated lookups), views
   * needed or not; empty when the store failed.
   */
  appliedBefore: string[];
}

export function toObservation(tx: NormalizedTransaction, nowSeconds: number): Observation {
  return {
    hash: tx.hash,
    from: tx.from,
    to: tx.to,
    timestamp: tx.timestamp ?? nowSeconds,
    valueLog10Eth: tx.valueWei > 0n ? Math.log10(Number(tx.valueWei) / 1e18) : null,
    // "0x" + 4 bytes: at least a function selector
    isCall: tx.input.length >= 10,
  };
}

export function createContextScorer(options: ContextScorerOptions): ContextScorer {
  const nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  async function observeBatch(
    transactions: readonly NormalizedTransaction[],
    isViewNeeded: readonly boolean[],
  ): Promise<ObservedBatch> {
    if (transactions.length === 0) return { views: [], appliedBefore: [] };
    const now = nowSeconds();
    const observations = transactions.map((tx, index) => {
      const observation = toObservation(tx, now);
      if (isViewNeeded[index] === false) observation.viewNeeded = false;
      return observation;
    });
    let replies: ObserveReply[];
    try {
      replies = await options.store.observe(observations);
    } catch (error) {
      options.onUnavailable?.(error);
      return {
        views: observations.map((observation) =>
          observation.viewNeeded === false ? null : viewContext(observation, null),
        ),
        appliedBefore: [],
      };
    }
    const appliedBefore: string[] = [];
    const views = observations.map((observation, index) => {
      const reply = replies[index];
      if (reply !== undefined && !reply.applied) appliedBefore.push(observation.hash);
      if (observation.viewNeeded === false) return null;
      // A viewless reply where a view was asked for would be a store bug: judged as no context, not made up.
      return viewContext(observation, reply === undefined || "viewless" in reply ? null : reply);
    });
    return { views, appliedBefore };
  }

  return {
    async observe(transactions) {
      const { views } = await observeBatch(transactions, []);
      return views.filter((view) => view !== null);
    },
    observeBatch,
    async groupIncidents(candidates) {
      try {
        return await groupIncidents(options.store, candidates);
      } catch (error) {
        options.onUnavailable?.(error);
        return { inBatch: new Map(), earlier: [] };
      }
    },
  };
}
