import { describe, expect, it } from "vitest";
import { extractFeatureMatrix } from "../features.ts";
import { readModelFile } from "../model-file.ts";
import { generateSyntheticTraffic } from "../synthetic-traffic.ts";
import { compileForest } from "./compiled-forest.ts";
import { fitIsolationForest } from "./fit-isolation-forest.ts";
import { averagePathLength } from "./path-length.ts";
import { createRandom } from "./prng.ts";
import { LEAF, type TreeArrays } from "./tree-arrays.ts";

/** The plain definition: follow `x <= threshold` from the root, h = edges + c(leaf size). */
function referencePathLength(tree: TreeArrays, data: Float64Array, base: number): number {
  let node = 0;
  let depth = 0;
  while (tree.feature[node] !== LEAF) {
    const x = data[base + (tree.feature[node] as number)] as number;
    node = (x <= (tree.threshold[node] as number) ? tree.left[node] : tree.right[node]) as number;
    depth++;
  }
  return depth + averagePathLength(tree.nodeSize[node] as number);
}

/**
 * Reference sums in the scorer's documented summation order (trees in groups of eight, each group summed
 * left to right and then added; trees past the last full group added one by one), so equality is exact.
 */
function referenceSums(trees: readonly TreeArrays[], data: Float64Array, rows: number, cols: number) {
  const grouped = trees.length - (trees.length % 8);
  const sums = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let t = 0; t < grouped; t += 8) {
      let group = referencePathLength(trees[t] as TreeArrays, data, r * cols);
      for (let k = 1; k < 8; k++) group += referencePathLength(trees[t + k] as TreeArrays, data, r * cols);
      sum += group;
    }
    for (let t = grouped; t < trees.length; t++)
      sum += referencePathLength(trees[t] as TreeArrays, data, r * cols);
    sums[r] = sum;
  }
  return sums;
}

const bits = new Float64Array(1);
const words = new BigInt64Array(bits.buffer);
/** The next float64 above (+1) or below (-1) a finite x. */
function nextFloat(x: number, direction: 1 | -1): number {
  if (x === 0) return direction * Number.MIN_VALUE;
  bits[0] = x;
  words[0] = (words[0] as bigint) + (x > 0 === direction > 0 ? 1n : -1n);
  return bits[0] as number;
}

/**
 * Rows that probe every split of the forest: a base row with one feature set exactly to a threshold, to
 * the float64 just below and just above it; plus ±0, ±∞ and NaN in every column.
 */
function boundaryRows(trees: readonly TreeArrays[], cols: number, baseRows: Float64Array): Float64Array {
  const values: number[][] = [];
  let b = 0;
  const baseCount = baseRows.length / cols;
  const push = (f: number, x: number) => {
    const row = Array.from(baseRows.subarray((b % baseCount) * cols, (b % baseCount) * cols + cols));
    row[f] = x;
    values.push(row);
    b++;
  };
  for (const tree of trees) {
    tree.feature.forEach((f, i) => {
      if (f === LEAF) return;
      const t = tree.threshold[i] as number;
      push(f, t);
      push(f, nextFloat(t, -1));
      push(f, nextFloat(t, 1));
    });
  }
  for (let f = 0; f < cols; f++) {
    for (const x of [0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN]) push(f, x);
  }
  return Float64Array.from(values.flat());
}

describe("ranked perfect-tree walk", () => {
  const model = readModelFile(new URL("../../models/default.model.json", import.meta.url));
  const { trees, featureNames, training, featureStats } = model.content;
  const cols = featureNames.length;
  const compiled = compileForest(trees, cols, training.sampleSize);

  function expectSameAsReference(data: Float64Array, rows: number): void {
    const expected = referenceSums(trees, data, rows, cols);
    const sums = compiled.pathLengthSums(data, rows);
    const scores = compiled.scoreBatch(data, rows);
    const scale = -1 / (trees.length * compiled.normalizer);
    let mismatches = 0;
    let worstScoreError = 0;
    for (let r = 0; r < rows; r++) {
      if (!Object.is(sums[r], expected[r])) mismatches++;
      const error = Math.abs((scores[r] as number) - 2 ** ((expected[r] as number) * scale));
      if (error > worstScoreError) worstScoreError = error;
    }
    expect(mismatches).toBe(0);
    expect(worstScoreError).toBe(0);
  }

  it("matches the reference walk exactly on 5,000 synthetic transactions", () => {
    const traffic = generateSyntheticTraffic({ count: 5_000, seed: 21, outlierRate: 0.02 }).transactions;
    const { data, rows } = extractFeatureMatrix(traffic);
    expectSameAsReference(data, rows);
  });

  it("matches it on training-like rows at, just below and just above every threshold, and on ±0, ±∞, NaN", () => {
    // Base rows at the training 1st / 50th / 99th percentiles of every feature.
    const base = Float64Array.from(
      (["p01", "p50", "p99"] as const).flatMap((q) => featureStats.map((stats) => stats[q])),
    );
    const data = boundaryRows(trees, cols, base);
    const rows = data.length / cols;
    expect(rows).toBeGreaterThan(3 * 4_000);
    expectSameAsReference(data, rows);
  });

  it("handles batches that are not a multiple of the row block, and empty ones", () => {
    const { data } = extractFeatureMatrix(generateSyntheticTraffic({ count: 203, seed: 5 }).transactions);
    for (const rows of [0, 1, 7, 8, 9, 63, 64, 65, 130, 203]) {
      const whole = compiled.pathLengthSums(data, 203);
      const part = compiled.pathLengthSums(data.subarray(0, rows * cols), rows);
      expect(Array.from(part)).toEqual(Array.from(whole.subarray(0, rows)));
    }
  });

  it("matches the reference for forests with a partial last tree group, duplicated thresholds and wide rows", () => {
    const random = createRandom(11);
    for (const [cols, trees, rows] of [
      [3, 13, 400],
      [16, 9, 300],
      [17, 5, 200], // more than 16 features: falls back to the node walk
    ] as const) {
      // Quantised values make many nodes share a threshold and many rows sit exactly on one.
      const data = Float64Array.from({ length: rows * cols }, () => Math.floor(random.next() * 20) / 4);
      const forest = fitIsolationForest(data, rows, cols, { seed: cols, nEstimators: trees });
      const fast = compileForest(forest.trees, cols, forest.sampleSize).pathLengthSums(data, rows);
      const expected = referenceSums(forest.trees, data, rows, cols);
      for (let r = 0; r < rows; r++) expect(fast[r]).toBeCloseTo(expected[r] as number, 9);
      if (cols <= 16) expect(Array.from(fast)).toEqual(Array.from(expected));
    }
  });

  it("scores a forest of single-leaf trees (ψ = 1) as 0.5", () => {
    const forest = fitIsolationForest(Float64Array.of(3), 1, 1, { seed: 1, nEstimators: 3 });
    expect(
      Array.from(compileForest(forest.trees, 1, forest.sampleSize).scoreBatch(Float64Array.of(1, 5), 2)),
    ).toEqual([0.5, 0.5]);
  });
});
