import {
  CONTEXT_FEATURE_NAMES,
  FEATURE_COUNT,
  type NormalizedTransaction,
  SPEC_2_FEATURE_COUNT,
  writeFeatures,
} from "@chainwatch/model";
import type { ContextView } from "./context-view.ts";

const log10p = (x: number) => Math.log10(1 + Math.max(0, x));
/** "Never": a gap longer than any real one (~30 years) for a sender without a previous transaction. */
const NEVER_LOG10_SECONDS = 9;

/**
 * The context features of spec 2 (@chainwatch/model CONTEXT_FEATURE_NAMES, same order), from the state
 * before the transaction. Ratios are log10(observed / expected) so a hot wallet and a quiet one compare on
 * one scale; z-scores are 0 when there is no history to compare with.
 */
export function contextFeatureValues(view: ContextView): number[] {
  const values = [
    view.senderKnown ? 1 : 0,
    log10p(view.senderAgeSeconds),
    view.senderGapSeconds === null ? NEVER_LOG10_SECONDS : log10p(view.senderGapSeconds),
    log10p(view.senderOutCount),
    Math.log10(view.burstCount / view.burstExpected),
    view.valueZ ?? 0,
    view.pairNew ? 1 : 0,
    view.recipientKnown ? 1 : 0,
    log10p(view.recipientAgeSeconds),
    log10p(view.recipientInCount),
    Math.log10(Math.max(view.fanOutCount, 0.01) / view.fanOutExpected),
    Math.log10(Math.max(view.fanInCount, 0.01) / view.fanInExpected),
    view.senderKnown ? 0 : (view.valueZ ?? 0),
  ];
  if (values.length !== CONTEXT_FEATURE_NAMES.length) throw new Error("context feature list out of step");
  return values;
}

/** By name, as stored with the prediction. */
export function contextFeatureRecord(view: ContextView): Record<string, number> {
  const values = contextFeatureValues(view);
  const record: Record<string, number> = {};
  CONTEXT_FEATURE_NAMES.forEach((name, index) => {
    record[name] = values[index] ?? 0;
  });
  return record;
}

/**
 * One spec-2 row in place: the transaction's spec-1 features, then its context features. The one
 * arithmetic the scoring service serves with and the trainer trains with (train/serve parity). The view
 * must be available: what stands in for missing context is the caller's decision (the service uses the
 * model's training medians; the trainer refuses).
 */
export function writeSpec2Features(
  tx: NormalizedTransaction,
  view: ContextView,
  out: Float64Array,
  offset: number,
): void {
  if (!view.available) throw new RangeError("no spec-2 features without address context");
  if (out.length < offset + SPEC_2_FEATURE_COUNT) throw new RangeError("spec-2 row does not fit");
  writeFeatures(tx, out, offset);
  out.set(contextFeatureValues(view), offset + FEATURE_COUNT);
}
