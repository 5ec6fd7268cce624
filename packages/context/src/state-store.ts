import type { AddressState, ContextSnapshot, Observation } from "./address-state.ts";

/**
 * The port both address-state stores implement. `observe` applies a batch in order — transaction i sees
 * transactions < i, and each snapshot is the state *before* its own transaction — and applies each hash at
 * most once, across calls, processes and (with Redis) replicas.
 */
export interface AddressStateStore {
  readonly kind: "memory" | "redis";
  observe(observations: readonly Observation[]): Promise<ContextSnapshot[]>;
  /** One address's current state, without changing it (the address screen); null when unknown. */
  peek(address: string): Promise<AddressState | null>;
  /** Round trips to the backing store so far (Redis: one per non-empty batch; memory: 0). */
  roundTrips(): number;
  /** Addresses dropped to stay within bounds (memory store) since start. */
  evictions(): number;
}
