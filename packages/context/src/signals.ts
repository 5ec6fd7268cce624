import type { ContextView } from "./context-view.ts";
import { formatDuration, formatQuantity, type Reason } from "./reasons.ts";

const LN10 = Math.log(10);

/**
 * −log10 of the Chernoff bound on P(X ≥ k) for X ~ Poisson(μ): how surprising k recent events are when μ
 * were expected. An upper bound on the probability, so the surprise is never overstated; continuous in k,
 * which suits decayed counts.
 */
export function countSurprise(k: number, mu: number): number {
  if (!(k > mu) || mu <= 0) return 0;
  return (k * Math.log(k / mu) - k + mu) / LN10;
}

/** −log10 of the standard normal upper tail at z (0 for z ≤ 0). */
export function normalTailSurprise(z: number): number {
  if (!(z > 0)) return 0;
  // Complementary error function (Numerical Recipes' erfc approximation, relative error < 1.2e-7),
  // in log space so large z stays finite.
  const x = z / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const lnErfc =
    Math.log(t) +
    (-x * x -
      1.26551223 +
      t *
        (1.00002368 +
          t *
            (0.37409196 +
              t *
                (0.09678418 +
                  t *
                    (-0.18628288 +
                      t *
                        (0.27886807 +
                          t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return -(lnErfc - Math.LN2) / LN10;
}

const eth = (log10Eth: number) => `${formatQuantity(10 ** log10Eth)} ETH`;

/** Context reasons of one transaction, each with its evidence; informational ones carry surprise 0. */
export function contextReasons(view: ContextView): Reason[] {
  if (!view.available) {
    return [
      {
        kind: "context",
        code: "context_unavailable",
        message: "address history was unavailable; scored without context",
        surprise: 0,
        data: {},
      },
    ];
  }
  const reasons: Reason[] = [];
  const burst = countSurprise(view.burstCount, view.burstExpected);
  if (burst > 0) {
    reasons.push({
      kind: "context",
      code: "sender_burst",
      message: `${formatQuantity(view.burstCount)} transactions from this sender in about 10 minutes; its usual rate is ${formatQuantity(view.senderRatePerHour)}/h`,
      surprise: burst,
      data: {
        recentCount: view.burstCount,
        expectedCount: view.burstExpected,
        usualRatePerHour: view.senderRatePerHour,
        windowSeconds: 600,
      },
    });
  }
  const fanOut = countSurprise(view.fanOutCount, view.fanOutExpected);
  if (fanOut > 0) {
    reasons.push({
      kind: "context",
      code: "sender_fan_out",
      message: `${formatQuantity(view.fanOutCount)} transactions from this sender to recipients it never used before, in about 10 minutes (about ${formatQuantity(view.fanOutExpected)} expected)`,
      surprise: fanOut,
      data: { recentNewRecipients: view.fanOutCount, expected: view.fanOutExpected, windowSeconds: 600 },
    });
  }
  const fanIn = countSurprise(view.fanInCount, view.fanInExpected);
  if (fanIn > 0) {
    reasons.push({
      kind: "context",
      code: "recipient_fan_in",
      message: `${formatQuantity(view.fanInCount)} transactions to this recipient from senders new to it, in about 10 minutes; recipient first seen ${formatDuration(view.recipientAgeSeconds)} ago`,
      surprise: fanIn,
      data: {
        recentNewSenders: view.fanInCount,
        expected: view.fanInExpected,
        recipientAgeSeconds: view.recipientAgeSeconds,
        windowSeconds: 600,
      },
    });
  }
  if (view.valueZ !== null && view.valueLog10Eth !== null) {
    const surprise = normalTailSurprise(view.valueZ);
    if (surprise > 0 && view.senderKnown) {
      const ratio = 10 ** (view.valueLog10Eth - view.valueCenter);
      reasons.push({
        kind: "context",
        code: "value_above_sender_history",
        message: `value ${formatQuantity(ratio)}× this sender's typical ${eth(view.valueCenter)} (over ${view.senderValueCount} earlier amount${view.senderValueCount === 1 ? "" : "s"})`,
        surprise,
        data: {
          valueEth: 10 ** view.valueLog10Eth,
          typicalEth: 10 ** view.valueCenter,
          ratio,
          zScore: view.valueZ,
          historyCount: view.senderValueCount,
        },
      });
    } else if (surprise > 0) {
      reasons.push({
        kind: "context",
        code: "new_sender_large_value",
        message: `${view.senderIdentified ? "a never-seen sender" : "a transaction without a sender address"} moves ${eth(view.valueLog10Eth)}; new senders typically move ${eth(view.newSenderValueCenter)}`,
        surprise,
        data: {
          valueEth: 10 ** view.valueLog10Eth,
          typicalNewSenderEth: 10 ** view.newSenderValueCenter,
          zScore: view.valueZ,
        },
      });
    }
  }
  if (!view.senderKnown) {
    if (view.senderIdentified) {
      reasons.push({
        kind: "context",
        code: "first_seen_sender",
        message: "first transaction ever seen from this sender",
        surprise: 0,
        data: { senderAgeSeconds: view.senderAgeSeconds },
      });
    }
  }
  if (!view.recipientKnown && view.pairNew) {
    reasons.push({
      kind: "context",
      code: "first_seen_recipient",
      message: "the recipient has never been seen before",
      surprise: 0,
      data: {},
    });
  }
  return reasons;
}
