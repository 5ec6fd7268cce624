import { DriftError } from "../errors.ts";
import type { ModelFile } from "../model-file.ts";
import type { FeatureMatrix } from "../train-model.ts";
import { REFERENCE_SAMPLE_SIZE } from "./drift-reference.ts";
import { ksTwoSampleSorted, meanShift, populationStabilityIndex } from "./drift-stats.ts";
import { RECENT_SAMPLE_SALT, saltedSeed, sampleIndices } from "./sampling.ts";

export type DriftSeverity = "none" | "low" | "moderate" | "high" | "critical";

export type FeatureDrift = {
  feature: string;
  psi: number;
  ksStatistic: number;
  ksPValue: number;
  /** Mean of recent values minus the training mean, in training standard deviations. */
  meanShift: number;
  isDrifted: boolean;
};

export type DriftReport = {
  modelVersion: string;
  /** Rows of recent traffic compared (all used for PSI and mean shift). */
  recentRows: number;
  /** Recent rows drawn for the KS test (at most options.ksMaxSample). */
  ksRecentRows: number;
  /** Training rows and the size of the stored training sample the KS test compares against. */
  referenceRows: number;
  referenceSampleSize: number;
  /** Fewer recent rows than options.minRows: statistics are reported, but nothing counts as drifted. */
  insufficientData: boolean;
  features: FeatureDrift[];
  /** Names of drifted features, in feature-spec order. */
  driftedFeatures: string[];
  /** Largest PSI over all features (drifted or not). */
  maxPsi: number;
  severity: DriftSeverity;
  /** The rules this report was judged by, recorded with it. */
  thresholds: typeof DRIFT_THRESHOLDS;
};

export type DetectDriftOptions = {
  /**
   * Recent rows the KS test uses, drawn without replacement when there are more (default 1,000, the size
   * of the stored training sample). Bounding it keeps the test's power the same whatever the traffic
   * volume: with nₑ = 500, p < 0.05 needs D > 0.061.
   */
  ksMaxSample?: number;
  /** Below this many recent rows nothing is judged drifted (default 500; see DRIFT_MIN_ROWS). */
  minRows?: number;
  /** Seed of the KS row draw; default: the model's training seed. Same input + seed ⇒ same report. */
  seed?: number;
};

/**
 * Judgement rules (docs/model.md, "Drift detection"):
 * - a feature is drifted when PSI > psiDrifted, or when the KS test rejects (p < ksAlpha) and PSI also
 *   exceeds psiConfirm. KS alone flags trivial differences once samples are large (D = 0.03 is
 *   significant at n = 10,000 yet harmless to the model); PSI alone is noisy on small samples. Requiring
 *   both below the PSI threshold keeps each test's weakness out.
 * - overall severity from the largest PSI among drifted features: ≤ 0.2 low (KS-confirmed moderate shift
 *   only), ≤ 0.5 moderate, ≤ 1 high, above critical; one level higher when `broadFeatureCount` or more
 *   features drift (a third of the spec: more than one correlated pair moved).
 */
export const DRIFT_THRESHOLDS = Object.freeze({
  psiDrifted: 0.2,
  psiConfirm: 0.1,
  ksAlpha: 0.05,
  severityPsi: Object.freeze({ low: 0.2, moderate: 0.5, high: 1 }),
  broadFeatureCount: 3,
});

/**
 * PSI's sampling noise on a stable feature is about χ²₉ / n: at 100 rows a stable feature exceeds 0.2 in
 * about 2 % of windows, at 500 rows practically never (χ²₉ > 100). So 500 recent rows is the least a
 * verdict is given on.
 */
export const DRIFT_MIN_ROWS = 500;

const SEVERITY_ORDER: readonly DriftSeverity[] = ["none", "low", "moderate", "high", "critical"];

/**
 * Compares recent traffic (a feature matrix under the model's feature spec, e.g. extractFeatureMatrix of
 * the last hour's transactions) with the training reference stored in the model file. Pure: no I/O.
 * Throws DriftError DRIFT_REFERENCE_MISSING for a model file without a reference (formatVersion 1) and
 * DRIFT_INPUT_INVALID for a matrix of the wrong width, no rows, or non-finite values.
 */
export function detectDrift(
  model: ModelFile,
  recent: FeatureMatrix,
  options: DetectDriftOptions = {},
): DriftReport {
  const reference = model.content.driftReference;
  if (reference === undefined) {
    throw new DriftError(
      "DRIFT_REFERENCE_MISSING",
      `model ${model.modelVersion} has no drift reference (trained before format version 2); retrain it`,
    );
  }
  const { data, rows, cols } = recent;
  if (
    cols !== reference.features.length ||
    !Number.isInteger(rows) ||
    rows < 1 ||
    data.length < rows * cols
  ) {
    throw new DriftError(
      "DRIFT_INPUT_INVALID",
      `expected at least one row of ${reference.features.length} features, got ${rows} rows of ${cols}`,
    );
  }
  for (let i = 0; i < rows * cols; i++) {
    if (!Number.isFinite(data[i]))
      throw new DriftError("DRIFT_INPUT_INVALID", `non-finite feature at row ${Math.floor(i / cols)}`);
  }
  const ksMaxSample = options.ksMaxSample ?? REFERENCE_SAMPLE_SIZE;
  const minRows = options.minRows ?? DRIFT_MIN_ROWS;
  if (!Number.isInteger(ksMaxSample) || ksMaxSample < 1)
    throw new RangeError("ksMaxSample must be an integer >= 1");
  const ksRows = sampleIndices(
    rows,
    ksMaxSample,
    saltedSeed(options.seed ?? model.content.training.seed, RECENT_SAMPLE_SALT),
  );
  const insufficientData = rows < minRows;

  const column = new Float64Array(rows);
  const ksColumn = new Float64Array(ksRows.length);
  const features = reference.features.map((feature, j): FeatureDrift => {
    for (let r = 0; r < rows; r++) column[r] = data[r * cols + j] as number;
    for (let s = 0; s < ksRows.length; s++) ksColumn[s] = column[ksRows[s] as number] as number;
    ksColumn.sort();
    const psi = populationStabilityIndex(feature.binEdges, feature.binProportions, column);
    const ks = ksTwoSampleSorted(feature.sample, ksColumn);
    return {
      feature: feature.name,
      psi,
      ksStatistic: ks.statistic,
      ksPValue: ks.pValue,
      meanShift: meanShift(feature.mean, feature.std, column),
      isDrifted: !insufficientData && isFeatureDrifted(psi, ks.pValue),
    };
  });
  const drifted = features.filter((feature) => feature.isDrifted);
  return {
    modelVersion: model.modelVersion,
    recentRows: rows,
    ksRecentRows: ksRows.length,
    referenceRows: model.content.training.rows,
    referenceSampleSize: reference.features[0]?.sample.length ?? 0,
    insufficientData,
    features,
    driftedFeatures: drifted.map((feature) => feature.feature),
    maxPsi: Math.max(0, ...features.map((feature) => feature.psi)),
    severity: driftSeverity(drifted),
    thresholds: DRIFT_THRESHOLDS,
  };
}

export function isFeatureDrifted(psi: number, ksPValue: number): boolean {
  const { psiDrifted, psiConfirm, ksAlpha } = DRIFT_THRESHOLDS;
  return psi > psiDrifted || (ksPValue < ksAlpha && psi > psiConfirm);
}

/** Overall severity of a set of drifted features (rules at DRIFT_THRESHOLDS). */
export function driftSeverity(drifted: readonly Pick<FeatureDrift, "psi">[]): DriftSeverity {
  if (drifted.length === 0) return "none";
  const { severityPsi, broadFeatureCount } = DRIFT_THRESHOLDS;
  const worst = Math.max(...drifted.map((feature) => feature.psi));
  let level =
    worst <= severityPsi.low ? 1 : worst <= severityPsi.moderate ? 2 : worst <= severityPsi.high ? 3 : 4;
  if (drifted.length >= broadFeatureCount) level = Math.min(level + 1, 4);
  return SEVERITY_ORDER[level] as DriftSeverity;
}
