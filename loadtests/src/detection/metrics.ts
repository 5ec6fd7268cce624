import { ANOMALY_KINDS, type AnomalyKind } from "./traffic-options.ts";

/** One second-half transaction as a detector judged it. */
export interface ScoredRow {
  label: AnomalyKind | null;
  /** Ranking score: higher is more suspicious (riskScore, or anomalyScore before it exists). */
  score: number;
  /** The detector's verdict. */
  isAnomaly: boolean;
}

export interface KindMetrics {
  /** Labelled transactions of the kind (all kinds for `overall`). */
  transactions: number;
  /** These against every normal transaction; NaN when there are none. */
  rocAuc: number;
  /** How many of them the verdict flagged. */
  flagged: number;
  /** flagged / transactions; NaN when there are none. */
  recall: number;
}

export interface DetectionMetrics {
  normals: number;
  normalsFlagged: number;
  /** Share of normal traffic flagged: the false-positive rate an analyst would wade through. */
  normalFlaggedShare: number;
  /** Flagged anomalies over everything flagged; NaN when nothing is flagged. */
  precision: number;
  overall: KindMetrics;
  perKind: Record<AnomalyKind, KindMetrics>;
}

/**
 * ROC-AUC as the Mann–Whitney U statistic: the probability that a random positive scores above a random
 * negative, a tie counting one half (positives and negatives in a tie share their average rank). NaN
 * when either class is empty: "not measured", never a number that could pass for a result.
 */
export function rocAuc(scores: ArrayLike<number>, isPositive: ArrayLike<boolean>): number {
  if (scores.length !== isPositive.length) throw new RangeError("scores and labels differ in length");
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) throw new RangeError(`score ${i} is NaN`);
  }
  const order = Array.from({ length: scores.length }, (_, i) => i).sort(
    (a, b) => (scores[a] as number) - (scores[b] as number),
  );
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < order.length; ) {
    const score = scores[order[start] as number] as number;
    let end = start;
    while (end < order.length && scores[order[end] as number] === score) end++;
    // Ranks start + 1 … end (1-based) share their mean.
    const averageRank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) {
      if (isPositive[order[k] as number]) {
        positives++;
        positiveRankSum += averageRank;
      }
    }
    start = end;
  }
  const negatives = scores.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Overall and per-kind ROC-AUC and recall, and the share of normal traffic flagged, over `rows`. */
export function detectionMetrics(rows: readonly ScoredRow[]): DetectionMetrics {
  const normals = rows.filter((row) => row.label === null);
  const anomalies = rows.filter((row) => row.label !== null);
  const normalsFlagged = normals.filter((row) => row.isAnomaly).length;
  const against = (positives: readonly ScoredRow[]): KindMetrics => {
    const scores = [...positives.map((row) => row.score), ...normals.map((row) => row.score)];
    const labels = [...positives.map(() => true), ...normals.map(() => false)];
    const flagged = positives.filter((row) => row.isAnomaly).length;
    return {
      transactions: positives.length,
      rocAuc: rocAuc(scores, labels),
      flagged,
      recall: positives.length > 0 ? flagged / positives.length : Number.NaN,
    };
  };
  const overall = against(anomalies);
  const allFlagged = overall.flagged + normalsFlagged;
  return {
    normals: normals.length,
    normalsFlagged,
    normalFlaggedShare: normals.length > 0 ? normalsFlagged / normals.length : Number.NaN,
    precision: allFlagged > 0 ? overall.flagged / allFlagged : Number.NaN,
    overall,
    perKind: Object.fromEntries(
      ANOMALY_KINDS.map((kind) => [kind, against(anomalies.filter((row) => row.label === kind))]),
    ) as Record<AnomalyKind, KindMetrics>,
  };
}
