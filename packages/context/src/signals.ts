import type { ContextView } from "./context-view.ts";
import { formatDuration, formatQuantity, type Reason } from "./reasons.ts";

const LN10 = Math.log(10);

/**
 * How much an address's activity rate varies by itself (time of day, paydays, batches): counts are treated
 * as negative binomial with this shape, i.e. a rate that wanders by about 1/√6 ≈ 40 % around its mean. A hot
 * wallet doing twice its average at its busiest hour is then unremarkable, while a quiet wallet's twenty
 * transactions in ten minutes still are.
 */
export const RATE_DISPERSION_SHAPE = 6;

/**
 * −log10 of the Chernoff bound on P(X ≥ k) for X negative binomial with mean μ and shape α (Poisson as
 * α → ∞): how surprising k recent events are when μ were expected. An upper bound on the probability, so
 * the surprise is never overstated; continuous in k, which suits decayed counts.
 */
export function countSurprise(k: number, mu: number, shape = RATE_DISPERSION_SHAPE): number {
  if (!(k > mu) || mu <= 0) return 0;
  const p = shape / (shape + mu);
  const lnBound =
    -k * Math.log(k) +
    k * Math.log(1 - p) +
    k * Math.log(k + shape) +
    shape * Math.log(p) -
    shape * Math.log(shape) +
    shape * Math.log(k + shape);
  return Math.max(0, -lnBound / LN10);
}

/**
 * −log10 of the Chernoff bound on P(X ≥ k) for X binomial(n, p): how surprising it is that k of n
 * independent trials succeeded when each does with probability p. Continuous in k and n (decayed counts).
 */
export function binomialSurprise(k: number, n: number, p: number): number {
  if (!(n > 0) || !(k > n * p) || !(p > 0 && p < 1)) return 0;
  const q = Math.min(k / n, 1 - 1e-12);
  const divergence = q * Math.log(q / p) + (1 - q) * Math.log((1 - q) / (1 - p));
  return Math.max(0, (n * divergence) / LN10);
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

/**
 * Weight of the prior against a sender's own record of jumps, in amounts: one jump in its first few amounts
 * is not yet a habit.
 */
export const JUMP_PRIOR_AMOUNTS = 10;
/**
 * Settled jumps a sender needs before they excuse the next: one big payment is an event, not yet a habit
 * (and may itself have been the first move of a theft).
 */
export const MIN_JUMPS_EXCUSED = 2;

/**
 * How surprising an amount z spreads above the sender's typical one is. Amounts are heavy-tailed for some
 * senders (an exchange's hourly top-up, a treasury's monthly payout): a sender that has jumped this far
 * before, in completed episodes, is judged by how often it does (its jumps over its amounts, with a prior
 * of JUMP_PRIOR_AMOUNTS), and only the part of z beyond its largest jump counts in full.
 */
export function amountSurprise(
  z: number,
  view: Pick<ContextView, "senderJumpCount" | "senderJumpPeakZ" | "senderValueCount">,
): number {
  const normal = normalTailSurprise(z);
  if (view.senderJumpCount < MIN_JUMPS_EXCUSED) return normal;
  const jumpRate = view.senderJumpCount / (view.senderValueCount + JUMP_PRIOR_AMOUNTS);
  return Math.min(normal, -Math.log10(jumpRate) + normalTailSurprise(z - view.senderJumpPeakZ));
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
      message: `${Math.round(view.burstCount)} transactions from this sender in about 10 minutes; its usual rate is ${formatQuantity(view.senderRatePerHour)}/h`,
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
      message: `${Math.round(view.fanOutCount)} transactions from this sender to recipients it never used before, in about 10 minutes (about ${formatQuantity(view.fanOutExpected)} expected)`,
      surprise: fanOut,
      data: { recentNewRecipients: view.fanOutCount, expected: view.fanOutExpected, windowSeconds: 600 },
    });
  }
  const fanIn = countSurprise(view.fanInCount, view.fanInExpected);
  if (fanIn > 0) {
    reasons.push({
      kind: "context",
      code: "recipient_fan_in",
      message: `${Math.round(view.fanInCount)} transactions to this recipient from senders new to it, in about 10 minutes; recipient first seen ${formatDuration(view.recipientAgeSeconds)} ago`,
      surprise: fanIn,
      data: {
        recentNewSenders: view.fanInCount,
        expected: view.fanInExpected,
        recipientAgeSeconds: view.recipientAgeSeconds,
        windowSeconds: 600,
      },
    });
  }
  // A collection: of the recent payments into this address from senders new to it, more were unusually
  // large for their senders than the chain's share of such payments allows. Senders differ, so the
  // payments are independent trials; shown on the unusual payments themselves (ordinary ones join the
  // incident it may open).
  const unusualFanIn = view.paymentUnusual
    ? binomialSurprise(
        view.fanInUnusualCount,
        Math.max(view.fanInCount, view.fanInUnusualCount),
        view.unusualShare,
      )
    : 0;
  if (unusualFanIn > 0) {
    reasons.push({
      kind: "context",
      code: "recipient_unusual_fan_in",
      message: `${Math.round(view.fanInUnusualCount)} of ${Math.round(Math.max(view.fanInCount, view.fanInUnusualCount))} recent payments to this recipient from senders new to it were unusually large for their senders, in about 10 minutes (${formatQuantity(100 * view.unusualShare)} % of such payments are)`,
      surprise: unusualFanIn,
      data: {
        recentUnusual: view.fanInUnusualCount,
        recentNewSenders: view.fanInCount,
        unusualShare: view.unusualShare,
        windowSeconds: 600,
      },
    });
  }
  if (view.valueZ !== null && view.valueLog10Eth !== null) {
    const valueSurprise = amountSurprise(view.valueZ, view);
    // An unusual amount to someone the sender never paid is the pattern of theft and scams; paying new
    // recipients is itself ordinary for some senders (exchanges) and rare for others, so its weight is
    // this sender's own share of new recipients. Only counted together with an unusual amount.
    // A recipient nobody has paid before is rarer still for most senders (not for an exchange's
    // withdrawals): judged by this sender's own share of such payments, shrunk towards the chain's.
    // A sender never seen before is judged against new senders' amounts, and how rare a new sender is
    // counts the same way: a fortune from an address that appears from nowhere.
    const noveltySurprise =
      valueSurprise < 1
        ? 0
        : !view.senderKnown
          ? -Math.log10(view.newSenderShare)
          : view.pairNew
            ? Math.max(
                -Math.log10(view.senderNewRecipientShare),
                view.recipientKnown ? 0 : -Math.log10(view.senderFreshRecipientShare),
              )
            : 0;
    const surprise = valueSurprise + noveltySurprise;
    if (surprise > 0 && view.senderKnown) {
      const ratio = 10 ** (view.valueLog10Eth - view.valueCenter);
      const senderTerm = -Math.log10(view.senderNewRecipientShare);
      const jumps =
        view.senderJumpCount > 0
          ? `; it made ${view.senderJumpCount} such jump${view.senderJumpCount === 1 ? "" : "s"} before`
          : "";
      const toNew =
        noveltySurprise <= 0
          ? ""
          : noveltySurprise > senderTerm
            ? `, to an address never seen before (${formatQuantity(100 * view.senderFreshRecipientShare)} % of this sender's transactions do that)`
            : `, to a recipient it never paid (${formatQuantity(100 * view.senderNewRecipientShare)} % of its transactions go to new recipients)`;
      reasons.push({
        kind: "context",
        code: "value_above_sender_history",
        message: `value ${formatQuantity(ratio)}× this sender's typical ${eth(view.valueCenter)} (over ${view.senderValueCount} earlier amount${view.senderValueCount === 1 ? "" : "s"}${jumps})${toNew}`,
        surprise,
        data: {
          valueEth: 10 ** view.valueLog10Eth,
          typicalEth: 10 ** view.valueCenter,
          ratio,
          zScore: view.valueZ,
          historyCount: view.senderValueCount,
          newRecipient: noveltySurprise > 0,
          newRecipientShare: view.senderNewRecipientShare,
          earlierJumps: view.senderJumpCount,
        },
      });
    } else if (surprise > 0) {
      reasons.push({
        kind: "context",
        code: "new_sender_large_value",
        message: `${view.senderIdentified ? "a never-seen sender" : "a transaction without a sender address"} moves ${eth(view.valueLog10Eth)}; new senders typically move ${eth(view.newSenderValueCenter)}${noveltySurprise > 0 ? ` (${formatQuantity(100 * view.newSenderShare)} % of transactions come from a new sender)` : ""}`,
        surprise,
        data: {
          valueEth: 10 ** view.valueLog10Eth,
          typicalNewSenderEth: 10 ** view.newSenderValueCenter,
          zScore: view.valueZ,
          newSenderShare: view.newSenderShare,
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
