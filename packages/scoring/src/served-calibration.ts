/**
 * What share of recently served transactions scored at least as high as this one: the model's evidence
 * measured on this deployment's own traffic. A model trained elsewhere (the shipped one knows no call data)
 * may give a whole class of ordinary transactions high scores; against its training data they look rare,
 * against what this chain actually sends they do not. Until enough traffic is seen, the training-data
 * share is used; in between the two are blended by how much traffic backs the served estimate.
 *
 * Scores are binned (0.005 wide) with exponential forgetting, so the reference follows the traffic over
 * roughly the last `horizon` transactions. Per process: each replica learns from what it serves.
 */
export interface ServedScoreCalibration {
  /** Share in (0, 1] of the reference at or above `score`, then records `score`. */
  tailShare(score: number, trainingTailShare: number): number;
  observed(): number;
}

const BINS = 200;

export function createServedScoreCalibration(
  options: { horizon?: number; warmup?: number } = {},
): ServedScoreCalibration {
  const horizon = options.horizon ?? 50_000;
  const warmup = options.warmup ?? 2_000;
  const counts = new Float64Array(BINS);
  const keep = 1 - 1 / horizon;
  let weight = 0;
  let seen = 0;
  // Forgetting is applied lazily: counts are stored in units that grow by 1/keep per observation.
  let scale = 1;

  const binOf = (score: number) => Math.min(BINS - 1, Math.max(0, Math.floor(score * BINS)));

  return {
    tailShare(score, trainingTailShare) {
      const bin = binOf(score);
      let above = 0;
      for (let i = bin; i < BINS; i++) above += counts[i] as number;
      const servedShare = (above / scale + 1) / (weight + 2);
      const trust = Math.min(1, seen / warmup);
      // Geometric blend: evidence (−log10 share) moves linearly from the training estimate to the served one.
      const share = trainingTailShare ** (1 - trust) * servedShare ** trust;
      scale /= keep;
      if (scale > 1e100) {
        for (let i = 0; i < BINS; i++) counts[i] = (counts[i] as number) / scale;
        scale = 1;
      }
      counts[bin] = (counts[bin] as number) + scale;
      weight = weight * keep + 1;
      seen++;
      return Math.min(1, Math.max(1e-12, share));
    },
    observed: () => seen,
  };
}
