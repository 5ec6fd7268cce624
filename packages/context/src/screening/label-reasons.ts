import type { Reason } from "../reasons.ts";
import type { ScreeningHit, SuppressionHit } from "./screening-set.ts";

/** Evidence of a deny label: enough on its own for a critical verdict (riskScore 0.66 at 5 decades). */
export const DENY_LABEL_SURPRISE = 5;

/** Context reasons that describe the sender's behaviour, and the recipient's: what an allow label mutes. */
const SENDER_CODES = new Set([
  "sender_burst",
  "sender_fan_out",
  "value_above_sender_history",
  "new_sender_large_value",
  "first_seen_sender",
]);
const RECIPIENT_CODES = new Set(["recipient_fan_in", "first_seen_recipient"]);

const partyOf = (role: "from" | "to") => (role === "from" ? "sender" : "recipient");

function labelReason(hit: ScreeningHit): Reason {
  const code =
    hit.listKind === "deny" ? "deny_listed" : hit.listKind === "allow" ? "allow_listed" : "watch_listed";
  const verb = hit.listKind === "deny" ? "deny list" : hit.listKind === "allow" ? "allow list" : "watch list";
  return {
    kind: "label",
    code,
    message: `the ${partyOf(hit.role)} is on ${verb} ${hit.listId} (${hit.category}${hit.source ? `; source ${hit.source}` : ""})`,
    surprise: hit.listKind === "deny" ? DENY_LABEL_SURPRISE : 0,
    data: {
      address: hit.address,
      role: hit.role,
      listId: hit.listId,
      listKind: hit.listKind,
      category: hit.category,
      source: hit.source,
      confidence: hit.confidence,
    },
  };
}

/** Whether a reason with this code describes the party in `role` (model reasons describe both). */
function describesParty(code: string, role: "from" | "to"): boolean {
  if (SENDER_CODES.has(code)) return role === "from";
  if (RECIPIENT_CODES.has(code)) return role === "to";
  return true;
}

function suppressionReason(hit: SuppressionHit): Reason {
  const review = hit.anomalyId === null ? "" : `, from the review of anomaly ${hit.anomalyId}`;
  return {
    kind: "rule",
    code: "review_suppressed",
    message: `${hit.reasonCode} is suppressed for the ${partyOf(hit.role)} until ${hit.expiresAt} (suppression ${hit.suppressionId}${review})`,
    surprise: 0,
    data: {
      address: hit.address,
      role: hit.role,
      reasonCode: hit.reasonCode,
      suppressionId: hit.suppressionId,
      anomalyId: hit.anomalyId,
      expiresAt: hit.expiresAt,
    },
  };
}

const NO_SUPPRESSIONS: readonly SuppressionHit[] = [];

/**
 * Applies a transaction's labels and reviewers' suppressions to its reasons. A deny label adds a label
 * reason (and the verdict is at least high: see combineVerdict's `atLeast`). An allow label on a party
 * mutes that party's context reasons and the model's — unless a deny label applies to the same party. A
 * suppression mutes one code on its party (the model's on either), with the same deny exception, and adds
 * a `review_suppressed` reason naming it when it muted something. Muted reasons stay in the list, marked
 * `suppressed`, so the decision can be explained. A deny-listed counterparty is never hidden by the other
 * party's allow label, and a label reason is never muted.
 */
export function applyLabels(
  reasons: readonly Reason[],
  hits: readonly ScreeningHit[],
  suppressions: readonly SuppressionHit[] = NO_SUPPRESSIONS,
): { reasons: readonly Reason[]; isDenied: boolean } {
  // The common case (no label or suppression on either party) allocates nothing.
  if (hits.length === 0 && suppressions.length === 0)
    return { reasons: reasons as Reason[], isDenied: false };
  const denied = new Set(hits.filter((hit) => hit.listKind === "deny").map((hit) => hit.role));
  const allowed = new Set(
    hits.filter((hit) => hit.listKind === "allow" && !denied.has(hit.role)).map((hit) => hit.role),
  );
  const active = suppressions.filter((hit) => !denied.has(hit.role));
  const used = new Set<SuppressionHit>();
  const muted = (reason: Reason) => {
    if (reason.kind === "label") return false;
    // The model judges the transaction's shape (amount, gas, call data); between a trusted party and
    // anyone that shape is the trusted party's ordinary business (an exchange's deposits and payouts), so
    // either party's allow label mutes it. The counterparty's own behaviour (its burst, its age) counts.
    if (
      (allowed.size > 0 && reason.kind === "model") ||
      (allowed.has("from") && SENDER_CODES.has(reason.code)) ||
      (allowed.has("to") && RECIPIENT_CODES.has(reason.code))
    )
      return true;
    const suppression = active.find(
      (hit) => hit.reasonCode === reason.code && describesParty(reason.code, hit.role),
    );
    if (suppression) used.add(suppression);
    return suppression !== undefined;
  };
  const out: Reason[] = reasons.map((reason) => (muted(reason) ? { ...reason, suppressed: true } : reason));
  for (const hit of hits) out.push(labelReason(hit));
  for (const hit of used) out.push(suppressionReason(hit));
  return { reasons: out, isDenied: denied.size > 0 };
}
