import type { NormalizedTransaction } from "@chainwatch/model";
import type { Observation } from "./address-state.ts";
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
   * Incidents of a batch's verdicts, in batch order (incidents.ts). A store failure gives no grouping (fail
   * open: each verdict stands as computed) and is reported like an observe failure.
   */
  groupIncidents(candidates: readonly IncidentCandidate[]): Promise<IncidentGrouping>;
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
  return {
    async observe(transactions) {
      if (transactions.length === 0) return [];
      const now = nowSeconds();
      const observations = transactions.map((tx) => toObservation(tx, now));
      try {
        const snapshots = await options.store.observe(observations);
        return observations.map((observation, index) => viewContext(observation, snapshots[index] ?? null));
      } catch (error) {
        options.onUnavailable?.(error);
        return observations.map((observation) => viewContext(observation, null));
      }
    },
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
