import type { AddressState, ContextSnapshot, IncidentMarker, Observation } from "./address-state.ts";
import { isRecipientEpisodeMember, STATE_PARAMETERS } from "./address-state.ts";
import { AMOUNT_PRIORS, isUnusualAmount, predictAmount, UNUSUAL_SHARE_PRIOR } from "./amount-model.ts";

/**
 * Priors for an address with little history: one transaction a day, and at least a quarter of a
 * transaction expected in any ~10-minute window. They keep a brand-new address's first few transactions
 * from looking like a burst against a rate estimated from one point, while two dozen in ten minutes still do.
 */
export const CONTEXT_PRIORS = {
  priorCount: 1,
  priorSeconds: 86_400,
  minExpectedBurst: 0.25,
  /** Share of an address's largest completed burst it may repeat without surprise. */
  peakShare: 0.6,
  /** Weight of the chain's share of never-seen recipients in a sender's own, in transactions. */
  freshPriorTransactions: 10,
  /** Weight of the prior "every sender is new" in the chain's share of new senders, in transactions. */
  newSenderPriorTransactions: 20,
  /** The amount model's priors (amount-model.ts). */
  ...AMOUNT_PRIORS,
} as const;

/** The quantities features, signals and reasons are computed from; one per transaction. */
export interface ContextView {
  available: boolean;
  /** false: a redelivery; the state (and any incident) already counted this transaction. */
  applied: boolean;
  /** The transaction as the state saw it (incidents name addresses, hashes and times). */
  observation: Observation;
  /** A plain payment from a sender new to the recipient: a member of the recipient's fan-in episode. */
  recipientEpisodeMember: boolean;
  /** Incidents open on the sender's and the recipient's side before this transaction. */
  senderIncident: IncidentMarker | null;
  recipientIncident: IncidentMarker | null;
  /** The transaction names its sender (without one it is judged like a never-seen sender's). */
  senderIdentified: boolean;
  /** The sender has sent before. */
  senderKnown: boolean;
  senderAgeSeconds: number;
  /** Seconds since the sender's previous transaction; null for its first. */
  senderGapSeconds: number | null;
  senderOutCount: number;
  /** Recent transactions from the sender including this one (decayed count, ~10 minutes). */
  burstCount: number;
  burstExpected: number;
  /** The sender's usual rate, per hour. */
  senderRatePerHour: number;
  pairNew: boolean;
  /** How often this sender pays a recipient it never paid before: (distinct + 1) / (transactions + 2). */
  senderNewRecipientShare: number;
  /** Chain-wide share of transactions paying an address never seen before (with a 10 % prior). */
  freshRecipientShare: number;
  /**
   * How often this sender pays an address never seen before: its own record shrunk towards the chain's
   * share (worth CONTEXT_PRIORS.freshPriorTransactions transactions).
   */
  senderFreshRecipientShare: number;
  /**
   * Chain-wide share of transactions that are their sender's first, with a prior of "all of them" worth
   * CONTEXT_PRIORS.newSenderPriorTransactions: to a fresh deployment every sender is new, so being new
   * weighs nothing until the chain has shown how rare it is.
   */
  newSenderShare: number;
  /** Recent transactions to recipients new to the sender, including this one if it is. */
  fanOutCount: number;
  fanOutExpected: number;
  recipientKnown: boolean;
  recipientAgeSeconds: number;
  recipientInCount: number;
  /** Recent plain payments from senders new to the recipient, including this one if it is one. */
  fanInCount: number;
  fanInExpected: number;
  /** This payment is a fan-in member unusually large for its sender (amount-model.ts). */
  paymentUnusual: boolean;
  /** Recent fan-in members unusually large for their senders, including this one if it is one. */
  fanInUnusualCount: number;
  /** Chain-wide share of fan-in members that are unusual (with a 10 % prior worth 100 payments). */
  unusualShare: number;
  valueLog10Eth: number | null;
  /** log10 ETH of the amount this sender typically moves (its history shrunk towards new senders'). */
  valueCenter: number;
  /** Non-zero amounts the sender moved before. */
  senderValueCount: number;
  /** (value − typical) / spread; null for a zero-value transaction. */
  valueZ: number | null;
  /** The sender's jumps (amounts ≥ STATE_PARAMETERS.jumpZ spreads above its typical) in completed episodes. */
  senderJumpCount: number;
  /** The largest z of those jumps (0 without any). */
  senderJumpPeakZ: number;
  /** log10 ETH that new senders typically move (the reference an address without history is judged by). */
  newSenderValueCenter: number;
}

const decayed = (count: number, since: number, now: number) =>
  count * Math.exp(-Math.max(0, now - since) / STATE_PARAMETERS.burstTauSeconds);

function expected(
  events: number,
  ageSeconds: number,
  peak: number,
): { expected: number; ratePerSecond: number } {
  // The prior's weight fades as the address shows its own rate: n events in its age dominate once n ≫ 1.
  const priorShare = CONTEXT_PRIORS.priorCount / (CONTEXT_PRIORS.priorCount + events);
  const ratePerSecond =
    (events + CONTEXT_PRIORS.priorCount) /
    (Math.max(0, ageSeconds) + CONTEXT_PRIORS.priorSeconds * priorShare);
  return {
    ratePerSecond,
    expected: Math.max(
      ratePerSecond * STATE_PARAMETERS.burstTauSeconds,
      CONTEXT_PRIORS.minExpectedBurst,
      CONTEXT_PRIORS.peakShare * peak,
    ),
  };
}

export function viewContext(observation: Observation, snapshot: ContextSnapshot | null): ContextView {
  const ts = observation.timestamp;
  const x = observation.valueLog10Eth;
  const sender: AddressState | null = snapshot?.sender ?? null;
  const recipient: AddressState | null = snapshot?.recipient ?? null;
  const senderKnown = sender !== null && sender.outCount > 0;
  const pairNew =
    observation.from !== null && observation.to !== null && snapshot !== null && !snapshot.pairSeen;
  const senderAge = sender ? Math.max(0, ts - sender.firstSeen) : 0;
  const recipientAge = recipient ? Math.max(0, ts - recipient.firstSeen) : 0;

  const out = expected(sender?.outCount ?? 0, senderAge, sender?.outPeak ?? 0);
  const outNew = expected(sender?.outDistinct ?? 0, senderAge, sender?.outNewPeak ?? 0);
  const inNew = expected(recipient?.inDistinct ?? 0, recipientAge, recipient?.inNewPeak ?? 0);

  // The reference for amounts: the values new senders move (what an address with no history is judged
  // against), with a prior until the chain has taught it anything.
  const global = snapshot?.global;
  const amount = predictAmount(sender, global);
  const own = sender?.valueCount ?? 0;
  const center = amount.center;
  const referenceCenter = amount.referenceCenter;
  const spread = amount.spread;
  const paymentUnusual =
    snapshot !== null &&
    global !== undefined &&
    isRecipientEpisodeMember(observation, snapshot.pairSeen) &&
    isUnusualAmount(x, sender, global);
  const valueZ = x !== null && snapshot !== null ? (x - center) / spread : null;

  // The state settles a jump episode at the sender's next transaction after the gap; this transaction is
  // that one, so it already judges by the settled count.
  const jumpEpisodeEnded =
    sender !== null &&
    sender.jumpEpisodeCount > 0 &&
    ts - sender.jumpLast > STATE_PARAMETERS.episodeGapSeconds;
  const freshRecipientShare =
    ((global?.freshRecipientShare ?? 0) * (global?.recipientCount ?? 0) + 0.1 * 100) /
    ((global?.recipientCount ?? 0) + 100);
  return {
    available: snapshot !== null,
    applied: snapshot?.applied ?? false,
    observation,
    recipientEpisodeMember: snapshot !== null && isRecipientEpisodeMember(observation, snapshot.pairSeen),
    senderIncident: snapshot?.senderIncident ?? null,
    recipientIncident: snapshot?.recipientIncident ?? null,
    senderIdentified: observation.from !== null,
    senderKnown,
    senderAgeSeconds: senderAge,
    senderGapSeconds: senderKnown && sender ? Math.max(0, ts - sender.outLast) : null,
    senderOutCount: sender?.outCount ?? 0,
    burstCount: (senderKnown && sender ? decayed(sender.outBurst, sender.outLast, ts) : 0) + 1,
    burstExpected: out.expected,
    senderRatePerHour: out.ratePerSecond * 3_600,
    pairNew,
    senderNewRecipientShare: ((sender?.outDistinct ?? 0) + 1) / ((sender?.outCount ?? 0) + 2),
    freshRecipientShare,
    newSenderShare:
      ((global?.newSenderShare ?? 0) * (global?.senderTxCount ?? 0) +
        CONTEXT_PRIORS.newSenderPriorTransactions) /
      ((global?.senderTxCount ?? 0) + CONTEXT_PRIORS.newSenderPriorTransactions),
    senderFreshRecipientShare:
      ((sender?.outFresh ?? 0) + CONTEXT_PRIORS.freshPriorTransactions * freshRecipientShare) /
      ((sender?.outCount ?? 0) + CONTEXT_PRIORS.freshPriorTransactions),
    fanOutCount:
      (senderKnown && sender ? decayed(sender.outNewBurst, sender.outLast, ts) : 0) + (pairNew ? 1 : 0),
    fanOutExpected: outNew.expected,
    recipientKnown: recipient !== null,
    recipientAgeSeconds: recipientAge,
    recipientInCount: recipient?.inCount ?? 0,
    fanInCount:
      (recipient && recipient.inCount > 0 ? decayed(recipient.inNewBurst, recipient.inLast, ts) : 0) +
      (pairNew && !observation.isCall ? 1 : 0),
    fanInExpected: inNew.expected,
    paymentUnusual,
    fanInUnusualCount:
      (recipient && recipient.inCount > 0 ? decayed(recipient.inUnusualBurst, recipient.inLast, ts) : 0) +
      (paymentUnusual ? 1 : 0),
    unusualShare:
      ((global?.unusualShare ?? 0) * (global?.fanInPaymentCount ?? 0) +
        UNUSUAL_SHARE_PRIOR.share * UNUSUAL_SHARE_PRIOR.weight) /
      ((global?.fanInPaymentCount ?? 0) + UNUSUAL_SHARE_PRIOR.weight),
    valueLog10Eth: x,
    valueCenter: center,
    senderValueCount: own,
    valueZ,
    senderJumpCount: (sender?.jumpCount ?? 0) + (jumpEpisodeEnded ? (sender?.jumpEpisodeCount ?? 0) : 0),
    senderJumpPeakZ: Math.max(sender?.jumpPeakZ ?? 0, jumpEpisodeEnded ? (sender?.jumpEpisodePeakZ ?? 0) : 0),
    newSenderValueCenter: referenceCenter,
  };
}
