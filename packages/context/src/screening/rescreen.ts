import { REASON_CODES, type Reason } from "../reasons.ts";
import { combineVerdict, type Verdict } from "../verdict.ts";
import { applyLabels } from "./label-reasons.ts";
import type { ScreeningHit, SuppressionHit } from "./screening-set.ts";

const KINDS = new Set(["model", "context", "label", "rule"]);
const CODES = new Set<string>(REASON_CODES);

/** A stored reason read back from JSON; anything else (an older or foreign shape) is dropped. */
function isReason(value: unknown): value is Reason {
  if (typeof value !== "object" || value === null) return false;
  const reason = value as Record<string, unknown>;
  return (
    typeof reason.kind === "string" &&
    KINDS.has(reason.kind) &&
    typeof reason.code === "string" &&
    CODES.has(reason.code) &&
    typeof reason.message === "string" &&
    typeof reason.surprise === "number" &&
    Number.isFinite(reason.surprise) &&
    typeof reason.data === "object" &&
    reason.data !== null
  );
}

/**
 * A stored verdict re-evaluated with the labels and suppressions that apply now: the model and context
 * reasons it was computed from are kept with their evidence, what screening added or muted then is undone,
 * and today's screening is applied as a new transaction's would be. Only the reasons the verdict stored are
 * known (at most six counted, and the muted ones with evidence): weaker reasons that were cut then stay
 * out, which changes a score by at most their few hundredths of a decade.
 */
export function rescreenVerdict(
  storedReasons: readonly unknown[],
  hits: readonly ScreeningHit[],
  suppressions: readonly SuppressionHit[],
  threshold: number,
): Verdict {
  const base: Reason[] = [];
  for (const value of storedReasons) {
    if (!isReason(value) || value.kind === "label" || value.code === "review_suppressed") continue;
    const { suppressed: _wasMuted, ...reason } = value;
    base.push(reason);
  }
  const screened = applyLabels(base, hits, suppressions);
  return combineVerdict(screened.reasons, threshold, screened.isDenied ? { atLeast: "high" } : {});
}
