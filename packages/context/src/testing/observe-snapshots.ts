import type { ContextSnapshot, Observation } from "../address-state.ts";
import type { AddressStateStore } from "../state-store.ts";

/** `store.observe` for tests that ask every view: a viewless reply there is a failure, not a skipped check. */
export async function observeSnapshots(
  store: AddressStateStore,
  observations: readonly Observation[],
): Promise<ContextSnapshot[]> {
  const replies = await store.observe(observations);
  return replies.map((reply, index) => {
    if ("viewless" in reply) throw new Error(`observation ${index} got no snapshot though it asked for one`);
    return reply;
  });
}
