import type { ModelContent } from "./model-file.ts";
import { quantileSorted } from "./stats.ts";

export type Contamination = "auto" | number;
export type Severity = "low" | "medium" | "high" | "critical";

/** scikit-learn's offset for contamination="auto": a point is anomalous when s > 0.5, E[h] < c(ψ). */
export const AUTO_THRESHOLD = 0.5;

export function validateContamination(contamination: Contamination): void {
  if (contamination === "auto") return;
  if (!(contamination > 0 && contamination <= 0.5)) {
    throw new RangeError(`contamination must be "auto" or in (0, 0.5], got ${contamination}`);
  }
}

/**
 * Turns the training scores into everything serving needs. With a fraction, the threshold is the
 * (1 - contamination) percentile of training scores, so that fraction of training rows scores above it
 * (sklearn: offset_ = percentile(score_samples, 100 * contamination), scores negated).
 */
export function calibrate(
  trainingScores: Float64Array,
  contamination: Contamination,
  normalizer: number,
): ModelContent["scoring"] {
  const sorted = Float64Array.from(trainingScores).sort();
  const q = (p: number) => quantileSorted(sorted, p);
  const threshold = contamination === "auto" ? AUTO_THRESHOLD : q(1 - contamination);
  let above = 0;
  for (const score of sorted) if (score > threshold) above++;
  // Robust spread: immune to the anomalies the model is meant to find.
  const spread = (q(0.75) - q(0.25)) / 1.349;
  return {
    normalizer,
    threshold,
    severityBands: severityBands(threshold),
    scoreSpread: Math.max(spread, 1e-6),
    scoreQuantiles: {
      min: sorted[0] as number,
      p01: q(0.01),
      p05: q(0.05),
      p25: q(0.25),
      p50: q(0.5),
      p75: q(0.75),
      p95: q(0.95),
      p99: q(0.99),
      p999: q(0.999),
      max: sorted[sorted.length - 1] as number,
    },
    trainingAnomalyRate: above / sorted.length,
  };
}

/**
 * Bands in path-length terms. A threshold t corresponds to a mean path E[h_t] = -c(ψ) log2 t. "high" starts
 * where a transaction is isolated in 3/4 of that depth (s = t^0.75), "critical" at half of it (s = t^0.5).
 * With t = 0.5: medium > 0.5, high ≥ 0.595, critical ≥ 0.707.
 */
export function severityBands(threshold: number): { medium: number; high: number; critical: number } {
  return { medium: threshold, high: threshold ** 0.75, critical: threshold ** 0.5 };
}

export function severityOf(
  score: number,
  bands: { medium: number; high: number; critical: number },
): Severity {
  if (score >= bands.critical && score > bands.medium) return "critical";
  if (score >= bands.high && score > bands.medium) return "high";
  if (score > bands.medium) return "medium";
  return "low";
}

/**
 * How far the score is from the decision boundary in units of the training score spread:
 * 1 - exp(-|s - t| / spread). 0 at the threshold, 0.63 one spread away, 0.95 three spreads away — on
 * either side, so a confident "normal" is as meaningful as a confident "anomaly".
 */
export function confidenceOf(score: number, threshold: number, spread: number): number {
  return 1 - Math.exp(-Math.abs(score - threshold) / spread);
}

/**
 * The share of training transactions that scored at least `score`: the model's own p-value for it, read off
 * the stored score quantiles (log-linear between them) and extrapolated past the maximum with the slope of
 * the last segment, never below 1e-12. What lets the model's evidence be added to per-address evidence on
 * one scale (@chainwatch/context's verdict).
 */
export function scoreTailProbability(
  score: number,
  quantiles: ModelContent["scoring"]["scoreQuantiles"],
  rows: number,
): number {
  const scores = [quantiles.p50, quantiles.p75, quantiles.p95, quantiles.p99, quantiles.p999, quantiles.max];
  const tails = [0.5, 0.25, 0.05, 0.01, 0.001, Math.min(0.001, 1 / Math.max(rows, 1))];
  const median = quantiles.p50;
  if (score <= median) return 1 - 0.5 * Math.max(0, (score - quantiles.min) / (median - quantiles.min || 1));
  let segment = 1;
  while (segment < scores.length - 1 && score > (scores[segment] as number)) segment++;
  const s0 = scores[segment - 1] as number;
  const s1 = scores[segment] as number;
  const p0 = Math.log10(tails[segment - 1] as number);
  const p1 = Math.log10(tails[segment] as number);
  const fraction = s1 > s0 ? (score - s0) / (s1 - s0) : 1;
  return Math.max(1e-12, Math.min(1, 10 ** (p0 + fraction * (p1 - p0))));
}
