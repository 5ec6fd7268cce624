import {
  type EpisodeMember,
  INCIDENT_PARAMETERS,
  type IncidentMarker,
  type IncidentOpening,
  type IncidentSide,
} from "./address-state.ts";
import type { ContextView } from "./context-view.ts";
import { formatQuantity, type Reason } from "./reasons.ts";
import type { AddressStateStore } from "./state-store.ts";
import { CRITICAL_EVIDENCE } from "./verdict.ts";

/**
 * Incident grouping. A burst, a fan-out (dust spray) or a fan-in (a drain's collection) is one event to an
 * analyst, but its signal only grows as the episode goes on: the first transactions of a drain look like
 * ordinary payments when they happen. When an episode signal alone reaches the critical band, the episode
 * becomes an incident: its earlier transactions on that side (kept per address, bounded) are named and their
 * stored verdicts corrected, and later transactions of the same episode join it as they arrive.
 *
 * The trigger is stricter than a flag on purpose: one trigger can flag dozens of transactions, so it needs
 * evidence an analyst would act on by itself (3.9 decades, riskScore 0.6), not merely the flag threshold.
 */
export const INCIDENT_MIN_SURPRISE = CRITICAL_EVIDENCE;

const SENDER_SIGNALS = new Set(["sender_burst", "sender_fan_out"]);
const RECIPIENT_SIGNALS = new Set(["recipient_fan_in", "recipient_unusual_fan_in"]);

/** One transaction whose verdict was just computed, in batch order. */
export interface IncidentCandidate {
  view: ContextView;
  /** Its own reasons (the verdict before grouping). */
  reasons: readonly Reason[];
}

/** A transaction of an incident and why: its `part_of_incident` reason (the incident's id in `data`). */
export interface IncidentMembership {
  hash: string;
  incidentId: string;
  reason: Reason;
}

export interface IncidentGrouping {
  /** Transactions of this batch that belong to an incident (triggers included), by hash. */
  inBatch: Map<string, IncidentMembership>;
  /** Transactions of earlier batches that an incident of this batch names: their stored verdicts change. */
  earlier: IncidentMembership[];
}

interface Trigger {
  hash: string;
  timestamp: number;
  reason: Reason;
}

interface Opening extends IncidentOpening {
  /** The first trigger of this batch on that side: members are named back from it. */
  first: Trigger;
  reason: Reason;
}

const strongest = (reasons: readonly Reason[], codes: ReadonlySet<string>): Reason | undefined => {
  let best: Reason | undefined;
  for (const reason of reasons)
    if (codes.has(reason.code) && !reason.suppressed && reason.surprise > (best?.surprise ?? 0))
      best = reason;
  return best;
};

/** Deterministic from the first trigger, so a replay of the same stream names the same incidents. */
const incidentIdOf = (triggerHash: string) => `inc_${triggerHash.replace(/^0x/, "").slice(0, 16)}`;

export function incidentReason(
  incidentId: string,
  side: IncidentSide,
  address: string,
  trigger: Trigger | null,
  surprise: number,
): Reason {
  const role = side === "sender" ? "sender" : "recipient";
  const cause = trigger
    ? `${trigger.reason.message} (transaction ${trigger.hash})`
    : `its ${role === "sender" ? "burst or fan-out" : "fan-in"} reached ${formatQuantity(surprise)} decades of evidence`;
  return {
    kind: "context",
    code: "part_of_incident",
    message: `part of incident ${incidentId} on its ${role} ${address}: ${cause}`,
    surprise,
    data: {
      incidentId,
      side,
      address,
      triggerHash: trigger?.hash ?? null,
      triggerCode: trigger?.reason.code ?? null,
    },
  };
}

/**
 * The members an incident names back from its first trigger of a batch: the side's remembered members at
 * or before the trigger, newest first, while consecutive ones are at most the window apart and none is more
 * than the window before the trigger.
 */
export function episodeBefore(members: readonly EpisodeMember[], trigger: Trigger): EpisodeMember[] {
  const window = INCIDENT_PARAMETERS.windowSeconds;
  const named: EpisodeMember[] = [];
  let previous = trigger.timestamp;
  for (let index = members.length - 1; index >= 0; index--) {
    const member = members[index] as EpisodeMember;
    if (member.timestamp > trigger.timestamp) continue;
    if (previous - member.timestamp > window || trigger.timestamp - member.timestamp > window) break;
    named.push(member);
    previous = member.timestamp;
  }
  return named;
}

/**
 * Groups one batch's verdicts into incidents (see above). Redeliveries (`applied: false`) and transactions
 * scored without context neither trigger nor join. Calls the store once, only when something triggered.
 */
export async function groupIncidents(
  store: AddressStateStore,
  candidates: readonly IncidentCandidate[],
): Promise<IncidentGrouping> {
  const window = INCIDENT_PARAMETERS.windowSeconds;
  const inBatch = new Map<string, IncidentMembership>();
  // Markers opened or extended by this batch's triggers: later transactions of the batch read these, since
  // their snapshots were taken before the triggers were known.
  const local = new Map<string, IncidentMarker>();
  const openings = new Map<string, Opening>();

  const join = (hash: string, incidentId: string, reason: Reason) => {
    const held = inBatch.get(hash);
    if (!held || held.reason.surprise < reason.surprise) inBatch.set(hash, { hash, incidentId, reason });
  };

  for (const { view, reasons } of candidates) {
    if (!view.available || !view.applied) continue;
    const { observation } = view;
    const sides: [IncidentSide, string, IncidentMarker | null, ReadonlySet<string>][] = [];
    if (observation.from !== null)
      sides.push(["sender", observation.from, view.senderIncident, SENDER_SIGNALS]);
    if (observation.to !== null && view.recipientEpisodeMember)
      sides.push(["recipient", observation.to, view.recipientIncident, RECIPIENT_SIGNALS]);
    for (const [side, address, stored, codes] of sides) {
      const key = `${side}:${address}`;
      const marker = local.get(key) ?? stored;
      const open =
        marker !== null && Math.abs(observation.timestamp - marker.triggerTimestamp) <= window
          ? marker
          : null;
      const signal = strongest(reasons, codes);
      if (signal && signal.surprise >= INCIDENT_MIN_SURPRISE) {
        const trigger: Trigger = { hash: observation.hash, timestamp: observation.timestamp, reason: signal };
        const id = open?.id ?? incidentIdOf(observation.hash);
        const next: IncidentMarker = {
          id,
          triggerTimestamp: Math.max(observation.timestamp, open?.triggerTimestamp ?? 0),
          surprise: Math.max(signal.surprise, open?.surprise ?? 0),
        };
        local.set(key, next);
        const previous = openings.get(key);
        const first = previous?.marker.id === id ? previous.first : trigger;
        openings.set(key, {
          side,
          address,
          marker: next,
          first,
          reason: incidentReason(id, side, address, first, first.reason.surprise),
        });
        join(observation.hash, id, incidentReason(id, side, address, trigger, signal.surprise));
      } else if (open) {
        const opening = openings.get(key);
        join(
          observation.hash,
          open.id,
          opening?.marker.id === open.id
            ? opening.reason
            : incidentReason(open.id, side, address, null, open.surprise),
        );
      }
    }
  }

  const earlier: IncidentMembership[] = [];
  if (openings.size === 0) return { inBatch, earlier };
  const opened = [...openings.values()];
  const members = await store.openIncidents(
    opened.map(({ side, address, marker }) => ({ side, address, marker })),
  );
  const batchHashes = new Set(candidates.map((candidate) => candidate.view.observation.hash));
  const named = new Set<string>();
  opened.forEach((opening, index) => {
    for (const member of episodeBefore(members[index] ?? [], opening.first)) {
      if (member.hash === opening.first.hash) continue;
      if (batchHashes.has(member.hash)) join(member.hash, opening.marker.id, opening.reason);
      else if (!named.has(member.hash)) {
        named.add(member.hash);
        earlier.push({ hash: member.hash, incidentId: opening.marker.id, reason: opening.reason });
      }
    }
  });
  return { inBatch, earlier };
}
