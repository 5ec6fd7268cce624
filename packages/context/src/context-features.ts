import { CONTEXT_FEATURE_NAMES } from "@chainwatch/model";
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
