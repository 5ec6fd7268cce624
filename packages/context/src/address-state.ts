import { AMOUNT_PRIORS, amountZ, isUnusualAmount } from "./amount-model.ts";

/**
 * What Chainwatch remembers about one address, as sender ("out") and as recipient ("in"). Every field is a
 * number so the Redis store can keep the record as one small hash (listpack-encoded, ~350 bytes) and the
 * Lua update and this TypeScript one stay line-for-line comparable. docs/model.md ("Address state") says
 * why each aggregate exists.
 *
 * Decayed counters ("bursts") count recent transactions with weight exp(-age / BURST_TAU_SECONDS): a
 * smooth stand-in for "how many in the last ~10 minutes" that needs one number instead of a window of
 * timestamps. They are stored as of the role's last timestamp and decayed on read.
 */
export interface AddressState {
  /** Unix seconds the address was first seen in either role. */
  firstSeen: number;
  outCount: number;
  /** Unix seconds of its latest transaction as sender (meaningful when outCount > 0). */
  outLast: number;
  outBurst: number;
  /** Largest burst of the current episode (activity without a gap longer than EPISODE_GAP_SECONDS). */
  outEpisodePeak: number;
  /** Largest burst of completed episodes: what this address has shown it does. */
  outPeak: number;
  /** Distinct recipients it ever sent to (exact, from the pair records). */
  outDistinct: number;
  /** Decayed count of transactions to recipients it had never sent to (recent fan-out). */
  outNewBurst: number;
  outNewEpisodePeak: number;
  outNewPeak: number;
  /** Non-zero values it sent, and their exponentially weighted mean and variance of log10(ETH). */
  valueCount: number;
  valueMean: number;
  valueVar: number;
  inCount: number;
  inLast: number;
  /** Distinct senders it ever received from. */
  inDistinct: number;
  /**
   * Decayed count of plain payments (no call data) from senders it had never received from: recent fan-in.
   * Calls are left out: a new contract everyone calls is a launch, a new address everyone pays is a collection.
   */
  inNewBurst: number;
  inNewEpisodePeak: number;
  inNewPeak: number;
  /**
   * Decayed count of those payments that were unusually large for their own senders (amount-model.ts,
   * UNUSUAL_AMOUNT_Z): a drain's collection, many wallets each sending more than they usually do.
   */
  inUnusualBurst: number;
  /**
   * Its amounts far above what the amount model expected of it (STATE_PARAMETERS.jumpZ): counted, with the
   * largest z, once the jumps' own episode has ended (no jump for EPISODE_GAP_SECONDS; a hot wallet busy all
   * day never ends an episode of transactions). An exchange's hourly top-up is then what it does, while the
   * current jumps (a thief's second and third move) never excuse themselves.
   */
  jumpCount: number;
  jumpPeakZ: number;
  jumpEpisodeCount: number;
  jumpEpisodePeakZ: number;
  /** Unix seconds of its latest jump. */
  jumpLast: number;
  /**
   * Transactions it sent to addresses never seen before in any role: how ordinary paying a brand-new
   * address is for this sender (an exchange's withdrawals: half of them; a person's: rarely).
   */
  outFresh: number;
}

/**
 * Chain-wide references: the values of brand-new senders' first transactions (log10 ETH), and how often a
 * payment goes to an address never seen before.
 */
export interface GlobalState {
  newSenderCount: number;
  newSenderMean: number;
  newSenderVar: number;
  /** Transactions with a recipient observed so far. */
  recipientCount: number;
  /** Exponentially weighted share of them whose recipient had never been seen. */
  freshRecipientShare: number;
  /** Senders' early amounts (their 2nd to 6th) measured against their own mean so far. */
  withinCount: number;
  /** Typical variance of an address's own amounts around its mean, log10 ETH squared (EW, like the above). */
  withinVar: number;
  /** Plain payments from senders new to their recipient (fan-in members) observed so far. */
  fanInPaymentCount: number;
  /** Exponentially weighted share of them that were unusually large for their senders. */
  unusualShare: number;
  /** Transactions with a sender observed so far. */
  senderTxCount: number;
  /** Exponentially weighted share of them that were their sender's first: how common a new sender is. */
  newSenderShare: number;
}

/** The field order of the Redis hash and of the Lua script's replies. */
export const ADDRESS_FIELDS = [
  "firstSeen",
  "outCount",
  "outLast",
  "outBurst",
  "outEpisodePeak",
  "outPeak",
  "outDistinct",
  "outNewBurst",
  "outNewEpisodePeak",
  "outNewPeak",
  "valueCount",
  "valueMean",
  "valueVar",
  "inCount",
  "inLast",
  "inDistinct",
  "inNewBurst",
  "inNewEpisodePeak",
  "inNewPeak",
  "inUnusualBurst",
  "jumpCount",
  "jumpPeakZ",
  "jumpEpisodeCount",
  "jumpEpisodePeakZ",
  "jumpLast",
  "outFresh",
] as const satisfies readonly (keyof AddressState)[];

export const GLOBAL_FIELDS = [
  "newSenderCount",
  "newSenderMean",
  "newSenderVar",
  "recipientCount",
  "freshRecipientShare",
  "withinCount",
  "withinVar",
  "fanInPaymentCount",
  "unusualShare",
  "senderTxCount",
  "newSenderShare",
] as const satisfies readonly (keyof GlobalState)[];

export const STATE_PARAMETERS = {
  /** Decay time of the burst counters: "recent" means the last ~10 minutes (~50 blocks). */
  burstTauSeconds: 600,
  /** A gap this long ends an episode; its peak then becomes part of what the address normally does. */
  episodeGapSeconds: 1_800,
  /** Value statistics become exponentially weighted after 1 / 0.05 = 20 values (adapt to drift). */
  valueAlphaMin: 0.05,
  /**
   * From an address's 3rd amount on, a new amount moves its statistics as if it were at most 3 spreads from
   * the mean (spread floored at valueSpreadFloor). Measured in process on the contextual benchmark (both
   * styles, with the predictive amount model of context-view.ts): a value spike's 2nd and 3rd transactions
   * no longer look ordinary after its 1st (recall 79.0 → 96.8 % and 60.9 → 71.7 %) for +2 and +4 normal
   * transactions flagged of 29 k and 39 k.
   */
  valueClipFrom: 2,
  valueClipSpreads: 3,
  /** Nobody's amounts are more regular than ×2 (0.3 decades): the least spread the evidence assumes. */
  valueSpreadFloor: AMOUNT_PRIORS.minValueSpread,
  /** The chain-wide reference adapts over ~500 new senders. */
  globalAlphaMin: 0.002,
  /**
   * The chain's typical within-address spread is learned from each sender's 2nd to 6th amounts only, so
   * every address weighs about the same: a hot wallet's thousand payments would otherwise set it for all.
   */
  withinSampleMaxCount: 5,
  /**
   * An amount this many predictive spreads above the sender's typical one is a jump (nominally 1 in 44).
   * Measured in process on the contextual benchmark (held-out day, seed 90210 / default day, seed 17;
   * normal transactions flagged, value_spike recall): z ≥ 3: 0.35 % / 0.38 %, 72.3 %; 2.5: 0.32 % / 0.33 %,
   * 74.5 %; 2: 0.31 % / 0.33 %, 78.7 %; 1.5: 0.33 % / 0.35 %, 78.7 %. A lower cut keeps more of a
   * heavy-tailed sender's excursions out of its typical amount and counts them as what it does.
   */
  jumpZ: 2,
} as const;

/** One transaction as the state sees it. */
export interface Observation {
  hash: string;
  from: string | null;
  to: string | null;
  /** Unix seconds: the block time, or the time it was scored when the sender gave none. */
  timestamp: number;
  /** log10(value in ETH); null for a zero-value transaction (calls), which says nothing about amounts. */
  valueLog10Eth: number | null;
  /** Carries call data (a contract call): does not count towards the recipient's fan-in of payments. */
  isCall: boolean;
  /**
   * false: apply it if its hash never was, but no snapshot is wanted (its verdict is cached). The store
   * answers a ViewlessReply and, when the hash was applied before, reads nothing at all: a repeated cache
   * hit costs one SET NX instead of five reads and a snapshot. Default true.
   */
  viewNeeded?: boolean;
}

/**
 * An incident open on one side of an address: an episode signal (burst, fan-out, fan-in) reached the
 * critical band there (incidents.ts). Later transactions of the same episode within the incident window of
 * the latest trigger join it.
 */
export interface IncidentMarker {
  id: string;
  /** Unix seconds of the latest transaction that triggered it. */
  triggerTimestamp: number;
  /** Evidence of its strongest trigger so far (decades): what a member joining later inherits. */
  surprise: number;
}

/** One transaction of an address's recent episode on one side (what an incident names retroactively). */
export interface EpisodeMember {
  hash: string;
  timestamp: number;
}

/**
 * "sender": everything the address sent (bursts and fan-out are the sender's episode). "recipient": plain
 * payments to it from senders new to it (what its fan-in counts).
 */
export type IncidentSide = "sender" | "recipient";

export interface IncidentOpening {
  side: IncidentSide;
  address: string;
  marker: IncidentMarker;
}

export const INCIDENT_PARAMETERS = {
  /**
   * Episode members remembered per address and side, newest kept: the largest incident one trigger can
   * name retroactively. 64 covers a ten-minute burst at one transaction per block and a half.
   */
  maxMembers: 64,
  /**
   * How far an incident reaches: back from a trigger while consecutive members are at most this far apart
   * (and no further than this before the trigger), and forward for transactions this close to the latest
   * trigger. The episode gap: the same notion of "one episode" the burst peaks use.
   */
  windowSeconds: STATE_PARAMETERS.episodeGapSeconds,
  /**
   * Lifetime of member lists and markers in Redis after their last write. Four windows: what a trigger
   * needs is at most one window old in block time, and the rest is slack for consumer lag.
   */
  keyTtlSeconds: 4 * STATE_PARAMETERS.episodeGapSeconds,
} as const;

/** Whether a transaction counts in its recipient's fan-in episode (a plain payment from a new sender). */
export const isRecipientEpisodeMember = (observation: Observation, pairSeen: boolean): boolean =>
  observation.from !== null && observation.to !== null && !pairSeen && !observation.isCall;

/**
 * A store's answer to an observation with `viewNeeded: false`: only whether this call applied it (false:
 * applied before). No state is in it, so nothing can compute a view from it by mistake.
 */
export interface ViewlessReply {
  applied: boolean;
  viewless: true;
}

/** What a store answers per observation: a snapshot, or a ViewlessReply where none was wanted. */
export type ObserveReply = ContextSnapshot | ViewlessReply;

/** What a transaction's features are computed from: the state before the transaction's own update. */
export interface ContextSnapshot {
  /** false: this hash was applied before (a redelivery); the state was not updated again. */
  applied: boolean;
  sender: AddressState | null;
  recipient: AddressState | null;
  /** The sender had sent to this recipient before. */
  pairSeen: boolean;
  global: GlobalState;
  /** Incidents open on the sender's side and on the recipient's, as before this transaction. */
  senderIncident: IncidentMarker | null;
  recipientIncident: IncidentMarker | null;
}

export function emptyAddressState(timestamp: number): AddressState {
  return {
    firstSeen: timestamp,
    outCount: 0,
    outLast: timestamp,
    outBurst: 0,
    outEpisodePeak: 0,
    outPeak: 0,
    outDistinct: 0,
    outNewBurst: 0,
    outNewEpisodePeak: 0,
    outNewPeak: 0,
    valueCount: 0,
    valueMean: 0,
    valueVar: 0,
    inCount: 0,
    inLast: timestamp,
    inDistinct: 0,
    inNewBurst: 0,
    inNewEpisodePeak: 0,
    inNewPeak: 0,
    inUnusualBurst: 0,
    jumpCount: 0,
    jumpPeakZ: 0,
    jumpEpisodeCount: 0,
    jumpEpisodePeakZ: 0,
    jumpLast: 0,
    outFresh: 0,
  };
}

export const emptyGlobalState = (): GlobalState => ({
  newSenderCount: 0,
  newSenderMean: 0,
  newSenderVar: 0,
  recipientCount: 0,
  freshRecipientShare: 0,
  withinCount: 0,
  withinVar: 0,
  fanInPaymentCount: 0,
  unusualShare: 0,
  senderTxCount: 0,
  newSenderShare: 0,
});

/**
 * Applies one transaction to its sender, its recipient and the chain-wide reference, in place. The Redis
 * store runs the same arithmetic in Lua (redis-script.ts); state-stores.contract.ts checks they agree.
 */
export function applyObservation(
  observation: Observation,
  sender: AddressState | null,
  recipient: AddressState | null,
  pairSeen: boolean,
  global: GlobalState,
  /** The recipient had never been seen in any role before this transaction. */
  recipientFresh: boolean,
): void {
  const { timestamp: ts, valueLog10Eth: x } = observation;
  const pairNew = sender !== null && recipient !== null && !pairSeen ? 1 : 0;
  const fanInMember = pairNew === 1 && !observation.isCall;
  // Judged before anything of this transaction is applied: what the view computes from the snapshot.
  const unusual = fanInMember && isUnusualAmount(x, sender, global) ? 1 : 0;
  const jumpZ = sender !== null ? amountZ(x, sender, global) : null;
  if (sender) {
    const wasNew = sender.outCount === 0;
    const gap = wasNew ? 0 : Math.max(0, ts - sender.outLast);
    const t = global.senderTxCount + 1;
    global.newSenderShare +=
      Math.max(1 / t, STATE_PARAMETERS.globalAlphaMin) * ((wasNew ? 1 : 0) - global.newSenderShare);
    global.senderTxCount = t;
    if (gap > STATE_PARAMETERS.episodeGapSeconds) {
      sender.outPeak = Math.max(sender.outPeak, sender.outEpisodePeak);
      sender.outNewPeak = Math.max(sender.outNewPeak, sender.outNewEpisodePeak);
      sender.outEpisodePeak = 0;
      sender.outNewEpisodePeak = 0;
    }
    if (sender.jumpEpisodeCount > 0 && ts - sender.jumpLast > STATE_PARAMETERS.episodeGapSeconds) {
      sender.jumpCount += sender.jumpEpisodeCount;
      sender.jumpPeakZ = Math.max(sender.jumpPeakZ, sender.jumpEpisodePeakZ);
      sender.jumpEpisodeCount = 0;
      sender.jumpEpisodePeakZ = 0;
    }
    const isJump = jumpZ !== null && jumpZ >= STATE_PARAMETERS.jumpZ;
    if (isJump) {
      sender.jumpEpisodeCount += 1;
      sender.jumpEpisodePeakZ = Math.max(sender.jumpEpisodePeakZ, jumpZ);
      sender.jumpLast = ts;
    }
    const decay = Math.exp(-gap / STATE_PARAMETERS.burstTauSeconds);
    sender.outBurst = sender.outBurst * decay + 1;
    sender.outEpisodePeak = Math.max(sender.outEpisodePeak, sender.outBurst);
    sender.outNewBurst = sender.outNewBurst * decay + pairNew;
    sender.outNewEpisodePeak = Math.max(sender.outNewEpisodePeak, sender.outNewBurst);
    sender.outDistinct += pairNew;
    sender.outFresh += recipientFresh && recipient !== null ? 1 : 0;
    sender.outLast = wasNew ? ts : Math.max(sender.outLast, ts);
    sender.outCount += 1;
    // A jump is not what the sender typically moves: left out of its statistics (counted above instead),
    // so a thief's second move is judged against the same history as the first.
    if (x !== null && !isJump) {
      const n = sender.valueCount;
      if (n >= 1 && n <= STATE_PARAMETERS.withinSampleMaxCount) {
        // The n-th mean misses a fresh value by σ²(1 + 1/n) on average: scaled back to σ².
        const residual2 = ((x - sender.valueMean) ** 2 * n) / (n + 1);
        const m = global.withinCount + 1;
        const beta = Math.max(1 / m, STATE_PARAMETERS.globalAlphaMin);
        global.withinVar += beta * (residual2 - global.withinVar);
        global.withinCount = m;
      }
      [sender.valueMean, sender.valueVar] = ewStep(
        sender.valueMean,
        sender.valueVar,
        x,
        sender.valueCount + 1,
        STATE_PARAMETERS.valueAlphaMin,
        sender.valueCount >= STATE_PARAMETERS.valueClipFrom,
      );
      sender.valueCount += 1;
      if (wasNew) {
        [global.newSenderMean, global.newSenderVar] = ewStep(
          global.newSenderMean,
          global.newSenderVar,
          x,
          global.newSenderCount + 1,
          STATE_PARAMETERS.globalAlphaMin,
        );
        global.newSenderCount += 1;
      }
    }
  }
  if (recipient) {
    const m = global.recipientCount + 1;
    const beta = Math.max(1 / m, STATE_PARAMETERS.globalAlphaMin);
    global.freshRecipientShare += beta * ((recipientFresh ? 1 : 0) - global.freshRecipientShare);
    global.recipientCount = m;
    const wasNew = recipient.inCount === 0;
    const gap = wasNew ? 0 : Math.max(0, ts - recipient.inLast);
    if (gap > STATE_PARAMETERS.episodeGapSeconds) {
      recipient.inNewPeak = Math.max(recipient.inNewPeak, recipient.inNewEpisodePeak);
      recipient.inNewEpisodePeak = 0;
    }
    const decay = Math.exp(-gap / STATE_PARAMETERS.burstTauSeconds);
    recipient.inNewBurst = recipient.inNewBurst * decay + (observation.isCall ? 0 : pairNew);
    recipient.inUnusualBurst = recipient.inUnusualBurst * decay + unusual;
    if (fanInMember) {
      const f = global.fanInPaymentCount + 1;
      global.unusualShare +=
        Math.max(1 / f, STATE_PARAMETERS.globalAlphaMin) * (unusual - global.unusualShare);
      global.fanInPaymentCount = f;
    }
    recipient.inNewEpisodePeak = Math.max(recipient.inNewEpisodePeak, recipient.inNewBurst);
    recipient.inDistinct += pairNew;
    recipient.inLast = wasNew ? ts : Math.max(recipient.inLast, ts);
    recipient.inCount += 1;
  }
}

/**
 * One step of a mean and variance that are exact over the first 1 / alphaMin observations and
 * exponentially weighted after (the n-th observation weighs max(1/n, alphaMin)). Clipped (a Huber step),
 * the observation moves them by at most valueClipSpreads spreads: one outlier, a thief's first big move
 * included, must not make the next one look ordinary. The Lua script repeats this arithmetic for the Redis
 * store.
 */
function ewStep(
  mean: number,
  variance: number,
  x: number,
  n: number,
  alphaMin: number,
  isClipped = false,
): [number, number] {
  const alpha = Math.max(1 / n, alphaMin);
  let delta = x - mean;
  if (isClipped) {
    const limit =
      STATE_PARAMETERS.valueClipSpreads * Math.max(Math.sqrt(variance), STATE_PARAMETERS.valueSpreadFloor);
    delta = Math.max(-limit, Math.min(limit, delta));
  }
  return [mean + alpha * delta, (1 - alpha) * (variance + alpha * delta * delta)];
}
