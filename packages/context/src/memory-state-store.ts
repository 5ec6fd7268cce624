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
  /**
   * Episode members kept over all addresses and sides (default: as many as hashes); the least recently
   * written lists go first, whole. Each list holds at most INCIDENT_PARAMETERS.maxMembers, but two lists per
   * address allowed 128 million members at 1,000,000 addresses: fed a million distinct addresses, the state
   * was ~1.7 GiB and still rising after 3,000,000 transactions; ~1.1 GiB and level with this bound
   * (docs/benchmarks.md, "Scoring worker memory").
   */
  maxEpisodeMembers?: number;
  onEvict?: (kind: "address" | "pair" | "hash") => void;
}

/** Where a full collection is cut to: 10 % under its bound from 1,000 up, exactly the bound below. */
const lowWatermark = (max: number) => (max >= 1_000 ? Math.floor(max * 0.9) : max);

/** An address's state and the one copy of its string that every key naming it is built from. */
interface AddressSlot {
  address: string;
  state: AddressState;
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
  const maxEpisodeMembers = options.maxEpisodeMembers ?? maxAppliedHashes;
  // Each transaction arrives with its own copies of its addresses (one JSON.parse per message). A pair key
  // built from those copies kept both alive for as long as the pair was remembered: 2 × ~64 bytes per
  // transaction, a third of what the state grew by per transaction in the worker soak (docs/benchmarks.md,
  // "Scoring worker memory"). So every key is built from the one copy each address slot keeps.
  const addresses = new Map<string, AddressSlot>();
  const pairs = new Set<string>();
  const applied = new Set<string>();
  const global: GlobalState = emptyGlobalState();
  // Episode members and incident markers per "<side>:<address>"; bounded like the addresses (least
  // recently written first). Markers are kept until evicted: whether one still applies is decided by its
  // trigger's timestamp, not by wall time.
  const members = new Map<string, EpisodeMember[]>();
  const markers = new Map<string, IncidentMarker>();
  let memberCount = 0;
  let evicted = 0;
  const sideKey = (side: IncidentSide, address: string) => `${side}:${address}`;

  function remember(side: IncidentSide, address: string, member: EpisodeMember): void {
    const key = sideKey(side, address);
    const list = members.get(key) ?? [];
    list.push(member);
    memberCount++;
    if (list.length > INCIDENT_PARAMETERS.maxMembers) {
      list.shift();
      memberCount--;
    }
    touch(members, key, list);
    boundMembers(key);
  }

  /** `bound` for the member lists: at most two per address, and at most `maxEpisodeMembers` in them. */
  function boundMembers(justWritten: string): void {
    const maxLists = 2 * maxAddresses;
    if (members.size <= maxLists && memberCount <= maxEpisodeMembers) return;
    const targetLists = lowWatermark(maxLists);
    const targetMembers = lowWatermark(maxEpisodeMembers);
    for (const [key, list] of members) {
      if (key === justWritten) break;
      if (members.size <= targetLists && memberCount <= targetMembers) break;
      members.delete(key);
      memberCount -= list.length;
      evicted++;
      options.onEvict?.("address");
    }
  }

  function touch<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
  }

  /**
   * Evicts the least recently used entries in one pass, down to a low watermark 10 % under the bound (large
   * bounds; small ones evict exactly to it). One entry per insert took a fresh `keys()` iterator each time,
   * and V8 keeps a deleted slot until the table is rehashed, so every eviction walked all the dead slots
   * at the front again: filling the soak's traffic past the 1,000,000-hash bound slowed from ~11 µs to
   * ~110 µs per transaction and then to more than 1 ms (docs/benchmarks.md, "Scoring worker memory"). The
   * prediction cache's `evictOldest` met the same.
   */
  function bound(
    collection: Map<string, unknown> | Set<string>,
    max: number,
    kind: "address" | "pair" | "hash",
  ) {
    if (collection.size <= max) return;
    const target = lowWatermark(max);
    for (const oldest of collection.keys()) {
      if (collection.size <= target) break;
      collection.delete(oldest);
      evicted++;
      options.onEvict?.(kind);
    }
  }

  /** Marks an address most recently active, keeping the slot (and so the copy of its string) it has. */
  function keep(slot: AddressSlot | undefined, address: string, state: AddressState): AddressSlot {
    const kept = slot ?? { address, state };
    touch(addresses, kept.address, kept);
    return kept;
  }

  function observeOne(observation: Observation): ObserveReply {
    const isNew = !applied.has(observation.hash);
    const isViewNeeded = observation.viewNeeded !== false;
    if (!isNew && !isViewNeeded) return { applied: false, viewless: true };
    const { timestamp } = observation;
    const senderSlot = observation.from === null ? undefined : addresses.get(observation.from);
    const recipientSlot = observation.to === null ? undefined : addresses.get(observation.to);
    // The kept copies when the addresses are known; this transaction's own ones become the kept copies.
    const from = senderSlot?.address ?? observation.from;
    const to =
      recipientSlot?.address ?? (observation.to !== null && observation.to === from ? from : observation.to);
    const sender = senderSlot?.state;
    const recipient = recipientSlot?.state;
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
    const senderKept = from !== null && senderState ? keep(senderSlot, from, senderState) : undefined;
    if (to !== null && recipientState)
      keep(recipientSlot ?? (to === from ? senderKept : undefined), to, recipientState);
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
      const slot = addresses.get(address.toLowerCase());
      return slot ? { ...slot.state } : null;
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
