import type {
  AddressState,
  EpisodeMember,
  IncidentOpening,
  Observation,
  ObserveReply,
} from "./address-state.ts";

/**
 * The port both address-state stores implement. `observe` applies a batch in order — transaction i sees
 * transactions < i, and each snapshot is the state *before* its own transaction — and applies each hash at
 * most once, across calls, processes and (with Redis) replicas. An observation with `viewNeeded: false` is
 * applied exactly as any other when its hash is new, and answered with a ViewlessReply instead of a
 * snapshot; when its hash was applied before, nothing of the state is read for it.
 */
export interface AddressStateStore {
  readonly kind: "memory" | "redis";
  observe(observations: readonly Observation[]): Promise<ObserveReply[]>;
  /** One address's current state, without changing it (the address screen); null when unknown. */
  peek(address: string): Promise<AddressState | null>;
  /**
   * Records each opening's marker (later snapshots on that side carry it) and returns, aligned, the
   * side's remembered episode members, oldest first (at most INCIDENT_PARAMETERS.maxMembers). Called only
   * for batches in which an incident triggered: one more round trip for those.
   */
  openIncidents(openings: readonly IncidentOpening[]): Promise<EpisodeMember[][]>;
  /** Round trips to the backing store so far (Redis: one per non-empty batch; memory: 0). */
  roundTrips(): number;
  /** Addresses dropped to stay within bounds (memory store) since start. */
  evictions(): number;
}
