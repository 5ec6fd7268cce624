import {
  type AddressState,
  applyObservation,
  type ContextSnapshot,
  emptyAddressState,
  emptyGlobalState,
  type GlobalState,
  type Observation,
} from "./address-state.ts";
import type { AddressStateStore } from "./state-store.ts";

export interface MemoryStateStoreOptions {
  /** Addresses kept; the least recently active go first (each eviction is counted). */
  maxAddresses?: number;
  /** Sender→recipient pairs kept (recipient novelty); least recent first. */
  maxPairs?: number;
  /** Transaction hashes remembered for idempotency. */
  maxAppliedHashes?: number;
  onEvict?: (kind: "address" | "pair" | "hash") => void;
}

/**
 * The embedded default: the same state as the Redis store, in this process, bounded. Maps keep insertion
 * order, so re-inserting on use makes the first key the least recently used one. Also what the trainer
 * streams historic traffic through, so training and serving compute context identically.
 */
export function createMemoryStateStore(options: MemoryStateStoreOptions = {}): AddressStateStore {
  const maxAddresses = options.maxAddresses ?? 1_000_000;
  const maxPairs = options.maxPairs ?? 2_000_000;
  const maxAppliedHashes = options.maxAppliedHashes ?? 1_000_000;
  const addresses = new Map<string, AddressState>();
  const pairs = new Set<string>();
  const applied = new Set<string>();
  const global: GlobalState = emptyGlobalState();
  let evicted = 0;

  function touch<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
  }

  function bound(
    collection: Map<string, unknown> | Set<string>,
    max: number,
    kind: "address" | "pair" | "hash",
  ) {
    while (collection.size > max) {
      const oldest = collection.keys().next().value as string;
      collection.delete(oldest);
      evicted++;
      options.onEvict?.(kind);
    }
  }

  function observeOne(observation: Observation): ContextSnapshot {
    const { from, to, timestamp } = observation;
    const sender = from === null ? undefined : addresses.get(from);
    const recipient = to === null ? undefined : addresses.get(to);
    const pairKey = from !== null && to !== null ? `${from}>${to}` : null;
    const pairSeen = pairKey !== null && pairs.has(pairKey);
    const snapshot: ContextSnapshot = {
      applied: !applied.has(observation.hash),
      sender: sender ? { ...sender } : null,
      recipient: recipient ? { ...recipient } : null,
      pairSeen,
      global: { ...global },
    };
    if (!snapshot.applied) return snapshot;

    applied.add(observation.hash);
    bound(applied, maxAppliedHashes, "hash");
    const senderState = from === null ? null : (sender ?? emptyAddressState(timestamp));
    // A self-transfer updates one record in both roles.
    const recipientState =
      to === null ? null : to === from ? senderState : (recipient ?? emptyAddressState(timestamp));
    applyObservation(observation, senderState, recipientState, pairSeen, global, recipient === undefined);
    if (from !== null && senderState) touch(addresses, from, senderState);
    if (to !== null && recipientState) touch(addresses, to, recipientState);
    if (pairKey !== null) {
      pairs.delete(pairKey);
      pairs.add(pairKey);
      bound(pairs, maxPairs, "pair");
    }
    bound(addresses, maxAddresses, "address");
    return snapshot;
  }

  return {
    kind: "memory",
    observe: async (observations) => observations.map(observeOne),
    peek: async (address) => {
      const state = addresses.get(address.toLowerCase());
      return state ? { ...state } : null;
    },
    roundTrips: () => 0,
    evictions: () => evicted,
  };
}
