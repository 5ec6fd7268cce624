import { maxTreeDepth } from "./path-length.ts";
import { createRandom, type Random } from "./prng.ts";
import { LEAF, type TreeArrays } from "./tree-arrays.ts";

export type FitOptions = {
  /** Number of trees (scikit-learn n_estimators). Default 100. */
  nEstimators?: number;
  /** Rows drawn without replacement per tree: "auto" = min(256, rows), or a count (capped at rows). */
  maxSamples?: number | "auto";
  /** uint32 seed of the PRNG; same data + seed ⇒ the same trees. Default 0. */
  seed?: number;
};

export type FittedForest = {
  trees: TreeArrays[];
  cols: number;
  sampleSize: number;
  maxDepth: number;
};

export const DEFAULT_N_ESTIMATORS = 100;
const AUTO_MAX_SAMPLES = 256;
// scikit-learn's FEATURE_THRESHOLD: a feature whose range in a node is at most this is treated as constant.
const CONSTANT_FEATURE_RANGE = 1e-7;

export function resolveSampleSize(rows: number, maxSamples: number | "auto" = "auto"): number {
  if (maxSamples === "auto") return Math.min(AUTO_MAX_SAMPLES, rows);
  if (!Number.isInteger(maxSamples) || maxSamples < 1) {
    throw new RangeError(`maxSamples must be "auto" or an integer >= 1, got ${maxSamples}`);
  }
  // scikit-learn warns and uses all rows when asked for more than it has.
  return Math.min(maxSamples, rows);
}

/**
 * Isolation Forest as scikit-learn builds it (IsolationForest + ExtraTreeRegressor, max_features=1,
 * splitter="random"): each tree sees sampleSize rows drawn without replacement, grows to depth
 * ceil(log2(sampleSize)), and at every node draws features without replacement until one is not constant
 * in the node, then a threshold uniform in [min, max) of that feature (a draw equal to max falls back to
 * min, as in sklearn); rows with x <= threshold go left. A node with one row, at the depth limit, or with
 * every feature constant is a leaf.
 */
export function fitIsolationForest(
  data: Float64Array,
  rows: number,
  cols: number,
  options: FitOptions = {},
): FittedForest {
  if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`need at least one row, got ${rows}`);
  if (!Number.isInteger(cols) || cols < 1) throw new RangeError(`need at least one column, got ${cols}`);
  if (data.length < rows * cols) throw new RangeError(`data has ${data.length} values, need ${rows * cols}`);
  for (let i = 0; i < rows * cols; i++) {
    if (!Number.isFinite(data[i])) throw new RangeError(`non-finite feature at row ${Math.floor(i / cols)}`);
  }
  const nEstimators = options.nEstimators ?? DEFAULT_N_ESTIMATORS;
  if (!Number.isInteger(nEstimators) || nEstimators < 1) {
    throw new RangeError(`nEstimators must be an integer >= 1, got ${nEstimators}`);
  }
  const sampleSize = resolveSampleSize(rows, options.maxSamples);
  const maxDepth = maxTreeDepth(sampleSize);
  const random = createRandom(options.seed ?? 0);

  const permutation = new Int32Array(rows);
  for (let i = 0; i < rows; i++) permutation[i] = i;
  const builder = new TreeBuilder(data, cols, maxDepth, random);
  const trees: TreeArrays[] = [];
  for (let t = 0; t < nEstimators; t++) {
    // Partial Fisher–Yates: the first sampleSize slots become a uniform sample without replacement. The
    // permutation is not reset between trees; any starting order gives a uniform sample.
    for (let i = 0; i < sampleSize; i++) {
      const j = i + random.nextInt(rows - i);
      const swap = permutation[i] as number;
      permutation[i] = permutation[j] as number;
      permutation[j] = swap;
    }
    trees.push(builder.build(permutation.slice(0, sampleSize)));
  }
  return { trees, cols, sampleSize, maxDepth };
}

class TreeBuilder {
  private readonly data: Float64Array;
  private readonly cols: number;
  private readonly maxDepth: number;
  private readonly random: Random;
  private readonly featureOrder: Int32Array;
  private tree: TreeArrays = emptyTree();
  private rows: Int32Array = new Int32Array(0);

  constructor(data: Float64Array, cols: number, maxDepth: number, random: Random) {
    this.data = data;
    this.cols = cols;
    this.maxDepth = maxDepth;
    this.random = random;
    this.featureOrder = new Int32Array(cols);
  }

  build(sampleRows: Int32Array): TreeArrays {
    this.tree = emptyTree();
    this.rows = sampleRows;
    this.grow(0, sampleRows.length, 0);
    return this.tree;
  }

  private grow(start: number, end: number, depth: number): number {
    const tree = this.tree;
    const node = tree.feature.length;
    tree.feature.push(LEAF);
    tree.threshold.push(0);
    tree.left.push(LEAF);
    tree.right.push(LEAF);
    tree.nodeSize.push(end - start);
    if (depth >= this.maxDepth || end - start <= 1) return node;

    const split = this.drawSplit(start, end);
    if (split === null) return node;
    const mid = this.partition(start, end, split.feature, split.threshold);
    tree.feature[node] = split.feature;
    tree.threshold[node] = split.threshold;
    tree.left[node] = this.grow(start, mid, depth + 1);
    tree.right[node] = this.grow(mid, end, depth + 1);
    return node;
  }

  private drawSplit(start: number, end: number): { feature: number; threshold: number } | null {
    const { data, cols, rows, featureOrder, random } = this;
    for (let i = 0; i < cols; i++) featureOrder[i] = i;
    for (let remaining = cols; remaining > 0; remaining--) {
      const pick = random.nextInt(remaining);
      const feature = featureOrder[pick] as number;
      featureOrder[pick] = featureOrder[remaining - 1] as number;
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (let i = start; i < end; i++) {
        const x = data[(rows[i] as number) * cols + feature] as number;
        if (x < min) min = x;
        if (x > max) max = x;
      }
      if (max <= min + CONSTANT_FEATURE_RANGE) continue;
      let threshold = min + random.next() * (max - min);
      if (threshold === max) threshold = min;
      return { feature, threshold };
    }
    return null;
  }

  private partition(start: number, end: number, feature: number, threshold: number): number {
    const { data, cols, rows } = this;
    let mid = start;
    for (let i = start; i < end; i++) {
      const row = rows[i] as number;
      if ((data[row * cols + feature] as number) <= threshold) {
        rows[i] = rows[mid] as number;
        rows[mid] = row;
        mid++;
      }
    }
    return mid;
  }
}

function emptyTree(): TreeArrays {
  return { feature: [], threshold: [], left: [], right: [], nodeSize: [] };
}
