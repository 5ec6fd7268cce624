/** Where a reason comes from: the model, the address context, and (later) screening labels and rules. */
export type ReasonKind = "model" | "context" | "label" | "rule";

/** Stable codes: clients may switch on them; the messages are for people and may be reworded. */
export const REASON_CODES = [
  "model_outlier",
  "sender_burst",
  "sender_fan_out",
  "recipient_fan_in",
  "recipient_unusual_fan_in",
  "value_above_sender_history",
  "new_sender_large_value",
  "first_seen_sender",
  "first_seen_recipient",
  "context_unavailable",
  "part_of_incident",
  "deny_listed",
  "allow_listed",
  "watch_listed",
  "review_suppressed",
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export interface Reason {
  kind: ReasonKind;
  code: ReasonCode;
  /** A sentence with units, e.g. "value 430× this sender's typical 0.05 ETH (over 12 transactions)". */
  message: string;
  /**
   * Evidence in decades: −log10 of how likely this is under the address's (or the model's) normal
   * behaviour. 3 ≈ one in a thousand. 0 for informational reasons.
   */
  surprise: number;
  /** The numbers behind the message. */
  data: Record<string, number | string | boolean | null>;
  /**
   * Muted by an allow label on its address, or by a reviewer's suppression of its code for that address
   * (a `review_suppressed` reason says which): shown for the record, not counted in the verdict.
   */
  suppressed?: true;
}

const NUMBER = new Intl.NumberFormat("en-US", { maximumFractionDigits: 4 });

/** Amounts and rates as people read them: 3 significant digits, no exponent for everyday sizes. */
export function formatQuantity(x: number): string {
  if (x === 0) return "0";
  const abs = Math.abs(x);
  if (abs >= 1e12 || abs < 1e-6) return x.toExponential(2);
  return NUMBER.format(Number(x.toPrecision(3)));
}

export function formatDuration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${formatQuantity(seconds / 3_600)} h`;
  return `${formatQuantity(seconds / 86_400)} days`;
}
