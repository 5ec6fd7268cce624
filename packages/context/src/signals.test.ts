import { describe, expect, it } from "vitest";
import type { ContextView } from "./context-view.ts";
import { incidentReason } from "./incidents.ts";
import { REASON_CODES } from "./reasons.ts";
import { applyLabels } from "./screening/label-reasons.ts";
import {
  amountSurprise,
  binomialSurprise,
  contextReasons,
  countSurprise,
  normalTailSurprise,
} from "./signals.ts";
import { combineVerdict, modelReason } from "./verdict.ts";

describe("evidence", () => {
  it("bounds how surprising k unusual payments of n are (binomial, Chernoff), in decades", () => {
    // 5 of 5 at p = 0.1: 5 · ln(10) / ln(10) = 5 decades; 5 of 10: 10 · KL(0.5 ‖ 0.1) / ln 10 =
    // 10 · (0.5 ln 5 + 0.5 ln(5/9)) / ln 10 = 2.21849.
    expect(binomialSurprise(5, 5, 0.1)).toBeCloseTo(5, 6);
    expect(binomialSurprise(5, 10, 0.1)).toBeCloseTo(2.21849, 4);
    // no more than expected, or no trials: no evidence
    expect(binomialSurprise(1, 10, 0.1)).toBe(0);
    expect(binomialSurprise(0, 0, 0.1)).toBe(0);
  });

  it("scores counts against a negative binomial rate (Chernoff bound), in decades", () => {
    expect(countSurprise(5, 0.25)).toBeCloseTo(3.8045, 3);
    expect(countSurprise(20, 1)).toBeCloseTo(11.2038, 3);
    // a hot wallet at twice its usual rate is unremarkable
    expect(countSurprise(30, 15)).toBeCloseTo(0.6039, 3);
    expect(countSurprise(1, 2)).toBe(0);
  });
  it("scores z-scores by the normal upper tail", () => {
    expect(normalTailSurprise(3)).toBeCloseTo(2.8697, 3);
    expect(normalTailSurprise(5)).toBeCloseTo(6.5426, 3);
    expect(normalTailSurprise(-1)).toBe(0);
  });
});

describe("the combined verdict", () => {
  const reason = (surprise: number) =>
    ({ kind: "context", code: "sender_burst", message: "m", surprise, data: {} }) as const;
  it("adds likelihood ratios: one signal of 2.6 decades is 0.5, two of 2 make 2.299 decades (0.469)", () => {
    expect(combineVerdict([reason(2.6)])).toMatchObject({
      riskScore: 0.5,
      riskLevel: "high",
      isAnomaly: true,
    });
    const two = combineVerdict([reason(2), reason(2)]);
    expect(two.riskScore).toBeCloseTo(0.46927, 4);
    expect(two).toMatchObject({ riskLevel: "medium", isAnomaly: false });
    expect(combineVerdict([])).toMatchObject({ riskScore: 0, riskLevel: "low", isAnomaly: false });
    expect(combineVerdict([reason(5)]).riskScore).toBeCloseTo(0.65789, 4);
    expect(combineVerdict([reason(5)]).riskLevel).toBe("critical");
    expect(combineVerdict([reason(1)]).riskLevel).toBe("low");
  });
  it("honours the threshold and shows only reasons with at least one decade, strongest first", () => {
    expect(combineVerdict([reason(2.4)], 0.45).isAnomaly).toBe(true);
    expect(combineVerdict([reason(2.4)]).isAnomaly).toBe(false);
    const verdict = combineVerdict([reason(0.5), reason(4), reason(1.5)]);
    expect(verdict.reasons.map((r) => r.surprise)).toEqual([4, 1.5]);
  });
});

const quiet: ContextView = {
  available: true,
  applied: true,
  observation: {
    hash: `0x${"1".repeat(64)}`,
    from: `0x${"a".repeat(40)}`,
    to: `0x${"b".repeat(40)}`,
    timestamp: 1_700_000_000,
    valueLog10Eth: Math.log10(21.5),
    isCall: false,
  },
  recipientEpisodeMember: true,
  senderIncident: null,
  recipientIncident: null,
  senderIdentified: true,
  senderKnown: true,
  senderAgeSeconds: 30 * 86_400,
  senderGapSeconds: 12,
  senderOutCount: 60,
  burstCount: 20,
  burstExpected: 0.25,
  senderRatePerHour: 0.3,
  pairNew: true,
  senderNewRecipientShare: 0.05,
  freshRecipientShare: 0.03,
  senderFreshRecipientShare: 0.03,
  newSenderShare: 0.02,
  fanOutCount: 12,
  fanOutExpected: 0.25,
  recipientKnown: false,
  recipientAgeSeconds: 0,
  recipientInCount: 0,
  fanInCount: 9,
  fanInExpected: 0.25,
  paymentUnusual: true,
  fanInUnusualCount: 6,
  unusualShare: 0.08,
  valueLog10Eth: Math.log10(21.5),
  valueCenter: Math.log10(0.05),
  senderValueCount: 12,
  valueZ: 6,
  senderJumpCount: 0,
  senderJumpPeakZ: 0,
  newSenderValueCenter: -1,
};

describe("amount evidence", () => {
  const history = { senderJumpCount: 0, senderJumpPeakZ: 0, senderValueCount: 20 };
  it("is the normal tail for a sender that never jumped", () => {
    // P(Z ≥ 4) = 3.16712e-5
    expect(amountSurprise(4, history)).toBeCloseTo(4.49933, 3);
  });
  it("ignores a single earlier jump: one big payment is not yet a habit", () => {
    expect(amountSurprise(4, { ...history, senderJumpCount: 1, senderJumpPeakZ: 5 })).toBeCloseTo(4.49933, 3);
  });
  it("is bounded by how often the sender jumped before, up to its largest jump", () => {
    // 3 jumps over 20 amounts + 10 prior: rate 0.1, so 1 decade; z 4 is within its largest jump (5)
    expect(amountSurprise(4, { ...history, senderJumpCount: 3, senderJumpPeakZ: 5 })).toBeCloseTo(1, 6);
    // beyond it by 2 spreads: 1 + −log10 P(Z ≥ 2) = 1 + 1.64302
    expect(amountSurprise(7, { ...history, senderJumpCount: 3, senderJumpPeakZ: 5 })).toBeCloseTo(2.64302, 3);
  });
  const unusual = { ...quiet, valueZ: 2.5, valueLog10Eth: 1, senderKnown: true, pairNew: true };
  const valueEvidence = (view: ContextView) =>
    contextReasons(view).find(
      (r) => r.code === "value_above_sender_history" || r.code === "new_sender_large_value",
    )?.surprise;
  it("weighs a never-seen recipient by how often this sender pays one", () => {
    // P(Z ≥ 2.5) = 0.00620967: 2.20691; an exchange paying brand-new addresses half the time: + 0.30103
    const exchange = {
      ...unusual,
      recipientKnown: false,
      senderNewRecipientShare: 0.6,
      senderFreshRecipientShare: 0.5,
    };
    expect(valueEvidence(exchange)).toBeCloseTo(2.50794, 3);
    // a person who does it 3 % of the time: + 1.52288
    const person = { ...exchange, senderNewRecipientShare: 0.1, senderFreshRecipientShare: 0.03 };
    expect(valueEvidence(person)).toBeCloseTo(3.72979, 3);
  });
  it("weighs an unusual amount from a never-seen sender by how rare new senders are", () => {
    const newcomer = { ...unusual, senderKnown: false, senderOutCount: 0, newSenderShare: 0.02 };
    // 2.20691 + −log10 0.02 = 1.69897
    expect(valueEvidence(newcomer)).toBeCloseTo(3.90588, 3);
    // an ordinary amount (P(Z ≥ 1) = 0.158655: 0.79952 < 1 decade) gets no such weight
    expect(valueEvidence({ ...newcomer, valueZ: 1 })).toBeCloseTo(0.79952, 3);
  });
});

describe("context reasons", () => {
  it("renders every context reason with its units", () => {
    const messages = Object.fromEntries(contextReasons(quiet).map((reason) => [reason.code, reason.message]));
    expect(messages).toEqual({
      sender_burst: "20 transactions from this sender in about 10 minutes; its usual rate is 0.3/h",
      sender_fan_out:
        "12 transactions from this sender to recipients it never used before, in about 10 minutes (about 0.25 expected)",
      recipient_fan_in:
        "9 transactions to this recipient from senders new to it, in about 10 minutes; recipient first seen 0 s ago",
      recipient_unusual_fan_in:
        "6 of 9 recent payments to this recipient from senders new to it were unusually large for their senders, in about 10 minutes (8 % of such payments are)",
      value_above_sender_history:
        "value 430× this sender's typical 0.05 ETH (over 12 earlier amounts), to an address never seen before (3 % of this sender's transactions do that)",
      first_seen_recipient: "the recipient has never been seen before",
    });
    const fresh = contextReasons({ ...quiet, senderKnown: false, senderOutCount: 0, valueZ: 4 });
    expect(fresh.map((reason) => reason.message)).toContain("first transaction ever seen from this sender");
    expect(fresh.map((reason) => reason.message)).toContain(
      "a never-seen sender moves 21.5 ETH; new senders typically move 0.1 ETH (2 % of transactions come from a new sender)",
    );
    const anonymous = contextReasons({ ...quiet, senderIdentified: false, senderKnown: false, valueZ: 4 });
    expect(anonymous.map((reason) => reason.message)).toContain(
      "a transaction without a sender address moves 21.5 ETH; new senders typically move 0.1 ETH (2 % of transactions come from a new sender)",
    );
    expect(contextReasons({ ...quiet, available: false })).toEqual([
      {
        kind: "context",
        code: "context_unavailable",
        message: "address history was unavailable; scored without context",
        surprise: 0,
        data: {},
      },
    ]);
    const model = modelReason({
      modelVersion: "if-abc",
      anomalyScore: 0.71,
      tailProbability: 0.0004,
      explanation: [
        { reason: "gas price 9,000 gwei, above the 99th percentile of training traffic (90 gwei)" },
      ],
    });
    expect(model.message).toBe(
      "model if-abc scores it 0.71, above 100 % of its training transactions; gas price 9,000 gwei, above the 99th percentile of training traffic (90 gwei)",
    );
    expect(model.surprise).toBeCloseTo(3.3979, 3);
    const hit = (listKind: "deny" | "allow" | "watch", role: "from" | "to") => ({
      address: `0x${"d".repeat(40)}`,
      chainId: 1,
      listId: `${listKind}-list`,
      listKind,
      category: listKind === "allow" ? "exchange" : "phishing",
      source: "test",
      confidence: 1,
      expiresAt: null,
      role,
    });
    const labelled = applyLabels([], [hit("deny", "to"), hit("allow", "from"), hit("watch", "from")]).reasons;
    expect(labelled.map((reason) => reason.message)).toEqual([
      "the recipient is on deny list deny-list (phishing; source test)",
      "the sender is on allow list allow-list (exchange; source test)",
      "the sender is on watch list watch-list (phishing; source test)",
    ]);
    const reviewed = applyLabels(
      [model],
      [],
      [
        {
          suppressionId: "7",
          address: `0x${"a".repeat(40)}`,
          chainId: 1,
          reasonCode: "model_outlier",
          expiresAt: "2027-01-01T00:00:00.000Z",
          anomalyId: "12",
          role: "to",
        },
      ],
    ).reasons;
    expect(reviewed.map((reason) => reason.message).at(-1)).toBe(
      "model_outlier is suppressed for the recipient until 2027-01-01T00:00:00.000Z (suppression 7, from the review of anomaly 12)",
    );
    // Joining an incident later than its trigger: the marker's evidence, no trigger transaction at hand.
    const incident = incidentReason("inc_00000000000000ab", "recipient", `0x${"d".repeat(40)}`, null, 4.25);
    expect(incident.message).toBe(
      `part of incident inc_00000000000000ab on its recipient 0x${"d".repeat(40)}: its fan-in reached 4.25 decades of evidence`,
    );
    const rendered = new Set(
      [
        ...contextReasons(quiet),
        ...fresh,
        ...contextReasons({ ...quiet, available: false }),
        model,
        ...labelled,
        ...reviewed,
        incident,
      ].map((reason) => reason.code),
    );
    expect([...rendered].sort()).toEqual([...REASON_CODES].sort());
  });
});
