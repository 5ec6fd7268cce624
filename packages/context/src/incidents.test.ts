import { describe, expect, it } from "vitest";
import type { Observation } from "./address-state.ts";
import { viewContext } from "./context-view.ts";
import { episodeBefore, groupIncidents, type IncidentCandidate } from "./incidents.ts";
import { createMemoryStateStore } from "./memory-state-store.ts";
import type { Reason } from "./reasons.ts";
import type { AddressStateStore } from "./state-store.ts";
import { observeSnapshots } from "./testing/observe-snapshots.ts";
import { joinIncident, scoreOfEvidence } from "./verdict.ts";

const address = (digit: string) => `0x${digit.repeat(40)}`;
const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const SENDER = address("a");
const DRAIN = address("d");

const payment = (n: number, from: string, to: string, timestamp: number, isCall = false): Observation => ({
  hash: hash(n),
  from,
  to,
  timestamp,
  valueLog10Eth: -1,
  isCall,
});

const signal = (code: Reason["code"], surprise: number): Reason => ({
  kind: "context",
  code,
  message: `${code} at ${surprise}`,
  surprise,
  data: {},
});

/** Observes a batch and pairs each view with the reasons given for it (by hash). */
async function batch(
  store: AddressStateStore,
  observations: Observation[],
  reasons: Record<string, Reason[]> = {},
): Promise<IncidentCandidate[]> {
  const snapshots = await observeSnapshots(store, observations);
  return observations.map((observation, index) => ({
    view: viewContext(observation, snapshots[index] ?? null),
    reasons: reasons[observation.hash] ?? [],
  }));
}

describe("incident grouping", () => {
  it("names a burst's earlier transactions once its signal reaches the critical band", async () => {
    const store = createMemoryStateStore();
    // Three ordinary-looking transactions, then a fourth whose burst signal is 4.2 decades.
    await groupIncidents(
      store,
      await batch(store, [
        payment(1, SENDER, address("1"), 1_000),
        payment(2, SENDER, address("2"), 1_060),
        payment(3, SENDER, address("3"), 1_120),
      ]),
    );
    const grouping = await groupIncidents(
      store,
      await batch(
        store,
        [payment(4, SENDER, address("4"), 1_180), payment(5, address("b"), address("5"), 1_181)],
        { [hash(4)]: [signal("sender_burst", 4.2), signal("sender_fan_out", 3.1)] },
      ),
    );
    expect(grouping.earlier.map((member) => member.hash)).toEqual([hash(3), hash(2), hash(1)]);
    expect(new Set(grouping.earlier.map((member) => member.incidentId))).toEqual(
      new Set(["inc_0000000000000000"]),
    );
    expect([...grouping.inBatch.keys()]).toEqual([hash(4)]);
    const earlier = grouping.earlier[0]?.reason;
    expect(earlier?.code).toBe("part_of_incident");
    expect(earlier?.surprise).toBe(4.2);
    expect(earlier?.message).toBe(
      `part of incident inc_0000000000000000 on its sender ${SENDER}: sender_burst at 4.2 (transaction ${hash(4)})`,
    );
    expect(earlier?.data).toEqual({
      incidentId: "inc_0000000000000000",
      side: "sender",
      address: SENDER,
      triggerHash: hash(4),
      triggerCode: "sender_burst",
    });
  });

  it("does nothing below the critical band, for redeliveries, or without context", async () => {
    const store = createMemoryStateStore();
    const first = payment(1, SENDER, address("1"), 1_000);
    await groupIncidents(store, await batch(store, [first]));
    const weak = await groupIncidents(
      store,
      await batch(store, [payment(2, SENDER, address("2"), 1_060)], {
        [hash(2)]: [signal("sender_burst", 3.8)],
      }),
    );
    expect(weak).toEqual({ inBatch: new Map(), earlier: [] });
    // The first transaction delivered again with a strong signal: already counted, never a trigger.
    const redelivered = await groupIncidents(
      store,
      await batch(store, [first], { [hash(1)]: [signal("sender_burst", 6)] }),
    );
    expect(redelivered).toEqual({ inBatch: new Map(), earlier: [] });
    const blind = await groupIncidents(store, [
      {
        view: viewContext(payment(3, SENDER, address("3"), 1_100), null),
        reasons: [signal("sender_burst", 6)],
      },
    ]);
    expect(blind).toEqual({ inBatch: new Map(), earlier: [] });
  });

  it("stops at a 30-minute gap and at 30 minutes before the trigger; later members join forward", async () => {
    const store = createMemoryStateStore();
    await groupIncidents(
      store,
      await batch(store, [
        payment(1, SENDER, address("1"), 1_000), // 1 801 s before the next: another episode
        payment(2, SENDER, address("2"), 2_801),
        payment(3, SENDER, address("3"), 4_000),
      ]),
    );
    const triggered = await groupIncidents(
      store,
      await batch(store, [payment(4, SENDER, address("4"), 4_700)], {
        [hash(4)]: [signal("sender_fan_out", 5)],
      }),
    );
    // 2 801 is 1 899 s before the trigger at 4 700: outside the window although the chain is unbroken.
    expect(triggered.earlier.map((member) => member.hash)).toEqual([hash(3)]);
    const later = await groupIncidents(
      store,
      await batch(store, [
        payment(5, SENDER, address("5"), 6_500), // 1 800 s after the trigger: joins
        payment(6, SENDER, address("6"), 8_301), // 3 601 s after it: the incident is over
      ]),
    );
    expect([...later.inBatch.keys()]).toEqual([hash(5)]);
    expect(later.inBatch.get(hash(5))?.incidentId).toBe("inc_0000000000000000");
    expect(later.inBatch.get(hash(5))?.reason.surprise).toBe(5);
    expect(later.earlier).toEqual([]);
  });

  it("groups a drain's fan-in: new senders' plain payments only, earlier batches and this one", async () => {
    const store = createMemoryStateStore();
    await groupIncidents(
      store,
      await batch(store, [
        payment(1, address("1"), DRAIN, 1_000),
        payment(2, address("2"), DRAIN, 1_100, true), // a call: not a payment into the drain
        payment(3, address("1"), DRAIN, 1_200), // a repeat sender: not new to the recipient
      ]),
    );
    const grouping = await groupIncidents(
      store,
      await batch(
        store,
        [
          payment(4, address("3"), DRAIN, 1_300),
          payment(5, address("4"), DRAIN, 1_400),
          payment(6, address("5"), DRAIN, 1_500),
        ],
        { [hash(5)]: [signal("recipient_fan_in", 4.5), signal("sender_burst", 4.5)] },
      ),
    );
    expect(grouping.earlier.map((member) => member.hash)).toEqual([hash(1)]);
    // 4 is named back from the trigger; 6 joins forward in the same batch.
    expect([...grouping.inBatch.keys()].sort()).toEqual([hash(4), hash(5), hash(6)]);
    expect(grouping.inBatch.get(hash(6))?.reason.data.side).toBe("recipient");
    // The trigger's own sender had no earlier transaction: its burst names nobody else.
    expect(grouping.earlier.every((member) => member.reason.data.side === "recipient")).toBe(true);
  });

  it("walks members newest first and skips ones after the trigger", () => {
    const members = [
      { hash: hash(1), timestamp: 100 },
      { hash: hash(2), timestamp: 200 },
      { hash: hash(3), timestamp: 400 },
    ];
    const trigger = { hash: hash(2), timestamp: 200, reason: signal("sender_burst", 4) };
    expect(episodeBefore(members, trigger)).toEqual([
      { hash: hash(2), timestamp: 200 },
      { hash: hash(1), timestamp: 100 },
    ]);
  });
});

describe("joining an incident", () => {
  it("takes the incident's evidence as a floor, never adds it to its own", () => {
    // 3.9 decades alone: 3.9 / (3.9 + 2.6) = 0.6, the critical floor.
    expect(scoreOfEvidence(3.9)).toEqual({ riskScore: 0.6, riskLevel: "critical" });
    const own = {
      riskScore: 0.3,
      riskLevel: "low" as const,
      isAnomaly: false,
      reasons: [signal("sender_burst", 1.2)],
    };
    const joined = joinIncident(own, { ...signal("part_of_incident", 3.9) });
    expect(joined.riskScore).toBeCloseTo(0.6, 12);
    expect(joined.riskLevel).toBe("critical");
    expect(joined.isAnomaly).toBe(true);
    expect(joined.reasons.map((reason) => reason.code)).toEqual(["part_of_incident", "sender_burst"]);
    const strong = { riskScore: 0.8, riskLevel: "critical" as const, isAnomaly: true, reasons: [] };
    expect(joinIncident(strong, signal("part_of_incident", 3.9)).riskScore).toBe(0.8);
    // A stricter deployment threshold than the incident's floor: joined, but not flagged.
    expect(joinIncident(own, signal("part_of_incident", 3.9), 0.65).isAnomaly).toBe(false);
  });
});
