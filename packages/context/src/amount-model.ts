/**
 * What a sender's next amount should look like, in log10 ETH. Shared by the view (the value signals) and
 * the state update (whether a payment counts as unusual for its recipient's fan-in), so both judge an
 * amount the same way; the Redis script repeats this arithmetic (redis-state-script.ts).
 *
 * A normal–normal model: a sender's typical amount is drawn from how addresses differ (τ², new senders'
 * spread less the within-address part) and its amounts scatter around it by σ², its own variance shrunk
 * towards the chain's typical within-address variance while it has few amounts. The prediction's variance
 * is σ² plus what is still unknown about its typical amount. Before, the prior's variance was the new
 * senders' whole spread (between addresses too), so an address with 1–5 amounts was judged against a
 * ±1-decade spread and a 50× jump looked ordinary. A sender with no amount yet is judged by new senders'
 * amounts alone.
 */
export const AMOUNT_PRIORS = {
  /** Value spread floor and inflation, in decades: nobody's amounts are more regular than ×2. */
  minValueSpread: 0.3,
  valueSpreadInflation: 0.15,
  /**
   * Weight, in degrees of freedom, of the chain's typical within-address variance in a sender's own: with
   * 4, a sender's variance is mostly its own from about its 6th amount.
   */
  withinPriorDegrees: 4,
  /** Before the chain has shown 20 early amounts: an address's amounts scatter by ×4 (0.6 decades). */
  withinPriorCount: 20,
  withinPriorSpread: 0.6,
  /** At least a quarter of new senders' spread is between addresses, whatever the within estimate says. */
  minBetweenShare: 0.25,
  /** Pseudo-observations of the new-sender reference before the chain has taught it anything. */
  newSenderPriorCount: 20,
  newSenderPriorMean: -1,
  newSenderPriorSpread: 1,
} as const;

/** The fields the model reads: a sender's amounts and the chain-wide references. */
export interface AmountHistory {
  valueCount: number;
  valueMean: number;
  valueVar: number;
}
export interface AmountReferences {
  newSenderCount: number;
  newSenderMean: number;
  newSenderVar: number;
  withinCount: number;
  withinVar: number;
}

export interface AmountPrediction {
  /** log10 ETH this sender typically moves. */
  center: number;
  /** Decades: the predictive standard deviation, floored and inflated. */
  spread: number;
  /** log10 ETH new senders typically move (what a sender without amounts is judged by). */
  referenceCenter: number;
}

export function predictAmount(
  sender: AmountHistory | null,
  global: AmountReferences | null | undefined,
): AmountPrediction {
  const p = AMOUNT_PRIORS;
  const n = global?.newSenderCount ?? 0;
  const k = p.newSenderPriorCount;
  const referenceCenter = (n * (global?.newSenderMean ?? 0) + k * p.newSenderPriorMean) / (n + k);
  const referenceVar = (n * (global?.newSenderVar ?? 0) + k * p.newSenderPriorSpread ** 2) / (n + k);
  const withinSeen = global?.withinCount ?? 0;
  const chainWithinVar =
    (withinSeen * (global?.withinVar ?? 0) + p.withinPriorCount * p.withinPriorSpread ** 2) /
    (withinSeen + p.withinPriorCount);
  const own = sender?.valueCount ?? 0;
  let center = referenceCenter;
  let predictiveVar = referenceVar;
  if (sender && own > 0) {
    const degrees = own - 1;
    const ownVar = own > 1 ? (sender.valueVar * own) / degrees : 0;
    const sigma2 =
      (degrees * ownVar + p.withinPriorDegrees * chainWithinVar) / (degrees + p.withinPriorDegrees);
    const tau2 = Math.max(referenceVar - chainWithinVar, p.minBetweenShare * referenceVar);
    const centerVar = 1 / (1 / tau2 + own / sigma2);
    center = centerVar * (referenceCenter / tau2 + (own * sender.valueMean) / sigma2);
    predictiveVar = sigma2 + centerVar;
  }
  return {
    center,
    spread: Math.max(Math.sqrt(predictiveVar), p.minValueSpread) + p.valueSpreadInflation,
    referenceCenter,
  };
}

/**
 * A payment "unusually large for its sender": at least 1.2816 predictive spreads above the sender's
 * typical amount, i.e. in the top 10 % of what the model expects from it. Only senders with amounts of
 * their own; a sender without any is judged by the new-sender signals instead.
 */
export const UNUSUAL_AMOUNT_Z = 1.2816;
/** Before the chain has shown its own share: 10 % (the nominal rate of the cut), worth 100 payments. */
export const UNUSUAL_SHARE_PRIOR = { share: 0.1, weight: 100 } as const;

/** How many predictive spreads an amount is above the sender's typical one; null without amounts of its own. */
export function amountZ(
  valueLog10Eth: number | null,
  sender: AmountHistory | null,
  global: AmountReferences,
): number | null {
  if (valueLog10Eth === null || sender === null || sender.valueCount < 1) return null;
  const { center, spread } = predictAmount(sender, global);
  return (valueLog10Eth - center) / spread;
}

export function isUnusualAmount(
  valueLog10Eth: number | null,
  sender: AmountHistory | null,
  global: AmountReferences,
): boolean {
  const z = amountZ(valueLog10Eth, sender, global);
  return z !== null && z >= UNUSUAL_AMOUNT_Z;
}
