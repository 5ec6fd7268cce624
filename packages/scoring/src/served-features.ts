import { type ContextView, contextFeatureValues, type Reason, writeSpec2Features } from "@chainwatch/context";
import {
  CONTEXT_FEATURE_NAMES,
  extractFeatureMatrix,
  FEATURE_COUNT,
  FEATURE_NAMES,
  type NormalizedTransaction,
  type Scorer,
  SPEC_2_FEATURE_COUNT,
  usesContextFeatures,
  writeFeatures,
} from "@chainwatch/model";

export interface ServedMatrix {
  data: Float64Array;
  rows: number;
  cols: number;
  /** Spec 2: the context features are columns of the matrix (else they are only stored beside it). */
  hasContextColumns: boolean;
}

/**
 * The matrix a model is served with, in its own spec. Spec 1: the transaction's features. Spec 2: those
 * then the context features of the view the transaction saw (`writeSpec2Features`, as the trainer
 * computes them). Without an available view (store outage, context disabled, a shadow scored without the
 * served contexts) a spec-2 row's context columns are the model's training medians (`featureMedians`):
 * the forest sees the context of a typical training transaction, so the score rests on the transaction's
 * own features, and the result says so (`withoutContextReason`).
 */
export function servedMatrix(
  scorer: Scorer,
  items: readonly { tx: NormalizedTransaction; fingerprint: string }[],
  contexts: ReadonlyMap<string, ContextView>,
): ServedMatrix {
  if (!usesContextFeatures(scorer.featureSpecVersion)) {
    return { ...extractFeatureMatrix(items.map((item) => item.tx)), hasContextColumns: false };
  }
  const cols = scorer.featureNames.length;
  if (cols !== SPEC_2_FEATURE_COUNT)
    throw new RangeError(
      `model ${scorer.modelVersion} has ${cols} features, spec 2 has ${SPEC_2_FEATURE_COUNT}`,
    );
  const data = new Float64Array(items.length * cols);
  items.forEach(({ tx, fingerprint }, row) => {
    const offset = row * cols;
    const view = contexts.get(fingerprint);
    if (view?.available) {
      writeSpec2Features(tx, view, data, offset);
      return;
    }
    writeFeatures(tx, data, offset);
    for (let j = FEATURE_COUNT; j < cols; j++) data[offset + j] = scorer.featureMedians[j] as number;
  });
  return { data, rows: items.length, cols, hasContextColumns: true };
}

/**
 * What a spec-2 result scored without address context says: the context reason (or, with context
 * disabled, a new one) names the stand-in values. Spec-1 results keep the context package's wording.
 */
export function withoutContextReason(reasons: readonly Reason[]): Reason[] {
  const reason: Reason = {
    kind: "context",
    code: "context_unavailable",
    message:
      "address history was unavailable; scored without context (the model's context features at their training medians)",
    surprise: 0,
    data: { contextFeatures: "training medians" },
  };
  const others = reasons.filter((existing) => existing.code !== "context_unavailable");
  return [reason, ...others];
}

/**
 * One row of the served matrix, and the context features when there was context, as the stored record's
 * `features` (by name): exactly what was served, so a model trained from stored traffic sees the same. A
 * spec-2 row scored at the stand-in medians stores spec 1 only: the medians are no observation, and
 * training from stored vectors (trainSpec2FromStoredFeatures) skips such rows.
 */
export function servedFeatureRecord(
  matrix: ServedMatrix,
  row: number,
  view: ContextView | undefined,
): Record<string, number> {
  const values: Record<string, number> = {};
  const offset = row * matrix.cols;
  FEATURE_NAMES.forEach((name, column) => {
    values[name] = matrix.data[offset + column] ?? 0;
  });
  if (view?.available) {
    const context = matrix.hasContextColumns
      ? matrix.data.subarray(offset + FEATURE_COUNT, offset + matrix.cols)
      : contextFeatureValues(view);
    CONTEXT_FEATURE_NAMES.forEach((name, index) => {
      values[name] = context[index] ?? 0;
    });
  }
  return values;
}
