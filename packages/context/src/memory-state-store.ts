import {
  type AddressState,
  applyObservation,
  type EpisodeMember,
  emptyAddressState,
  emptyGlobalState,
  type GlobalState,
  INCIDENT_PARAMETERS,
  type IncidentMarker,
  type IncidentSide,
  isRecipientEpisodeMember,
  type Observation,
  type ObserveReply,
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
  // Episode members and incident markers per "<side>:<address>"; bounded like the addresses (least
  // recently written first). Markers are kept until evicted: whether one still applies is decided by its
  // trigger's timestamp, not by wall time.
  const members = new Map<string, EpisodeMember[]>();
  const markers = new Map<string, IncidentMarker>();
  let evicted = 0;
  const sideKey = (side: IncidentSide, address: string) => `${side}:${address}`;

  function remember(side: IncidentSide, address: string, member: EpisodeMember): void {
    const key = sideKey(side, address);
    const list = members.get(key) ?? [];
    list.push(member);
    if (list.length > INCIDENT_PARAMETERS.maxMembers) list.shift();
    touch(members, key, list);
    bound(members, 2 * maxAddresses, "address");
  }

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

  function observeOne(observation: Observation): ObserveReply {
    const isNew = !applied.has(observation.hash);
    const isViewNeeded = observation.viewNeeded !== false;
    if (!isNew && !isViewNeeded) return { applied: false, viewless: true };
    const { from, to, timestamp } = observation;
    const sender = from === null ? undefined : addresses.get(from);
    const recipient = to === null ? undefined : addresses.get(to);
    const pairKey = from !== null && to !== null ? `${from}>${to}` : null;
    const pairSeen = pairKey !== null && pairs.has(pairKey);
    const reply: ObserveReply = isViewNeeded
      ? {
          applied: isNew,
          sender: sender ? { ...sender } : null,
          recipient: recipient ? { ...recipient } : null,
          pairSeen,
          global: { ...global },
          senderIncident: from === null ? null : (markers.get(sideKey("sender", from)) ?? null),
          recipientIncident: to === null ? null : (markers.get(sideKey("recipient", to)) ?? null),
        }
      : { applied: true, viewless: true };
    if (!isNew) return reply;

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
    const member = { hash: observation.hash, timestamp };
    if (from !== null) remember("sender", from, member);
    if (to !== null && isRecipientEpisodeMember(observation, pairSeen)) remember("recipient", to, member);
    return reply;
  }

  return {
    kind: "memory",
    observe: async (observations) => observations.map(observeOne),
    peek: async (address) => {
      const state = addresses.get(address.toLowerCase());
      return state ? { ...state } : null;
    },
    openIncidents: async (openings) =>
      openings.map(({ side, address, marker }) => {
        const key = sideKey(side, address);
        touch(markers, key, { ...marker });
        bound(markers, maxAddresses, "address");
        return (members.get(key) ?? []).map((member) => ({ ...member }));
      }),
    roundTrips: () => 0,
    evictions: () => evicted,
  };
}
