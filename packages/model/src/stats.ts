/** Percentile with linear interpolation between closest ranks (numpy's default), q in [0, 1]. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) throw new RangeError("quantile of an empty array");
  const position = q * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] as number;
  const high = sorted[upper] as number;
  return low + (high - low) * (position - lower);
}

export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/**
 * ROC-AUC as the Mann–Whitney U statistic: the probability that a random positive scores above a random
 * negative, ties counting one half (average ranks). 1 = perfect ranking, 0.5 = chance.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<boolean | number>): number {
  if (scores.length !== labels.length) throw new RangeError("scores and labels differ in length");
  const order = Array.from({ length: scores.length }, (_, i) => i).sort(
    (a, b) => (scores[a] as number) - (scores[b] as number),
  );
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    const score = scores[order[start] as number] as number;
    while (end < order.length && scores[order[end] as number] === score) end++;
    const averageRank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) {
      if (labels[order[k] as number]) {
        positives++;
        positiveRankSum += averageRank;
      }
    }
    start = end;
  }
  const negatives = scores.length - positives;
  if (positives === 0 || negatives === 0) throw new RangeError("ROC-AUC needs both positives and negatives");
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
