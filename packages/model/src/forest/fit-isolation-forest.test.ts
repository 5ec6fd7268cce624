import { describe, expect, it } from "vitest";
import { buildNaiveForest, naiveScoreBatch } from "../bench/naive-forest.ts";
import { compileForest } from "./compiled-forest.ts";
import { fitIsolationForest, resolveSampleSize } from "./fit-isolation-forest.ts";
import { averagePathLength } from "./path-length.ts";
import { createRandom } from "./prng.ts";
import { LEAF, type TreeArrays } from "./tree-arrays.ts";

function randomMatrix(rows: number, cols: number, seed: number): Float64Array {
  const random = createRandom(seed);
  return Float64Array.from({ length: rows * cols }, () => random.next() * random.next() * 10);
}

function leaves(tree: TreeArrays): { depth: number; size: number }[] {
  const out: { depth: number; size: number }[] = [];
  const walk = (node: number, depth: number) => {
    if (tree.feature[node] === LEAF) out.push({ depth, size: tree.nodeSize[node] as number });
    else {
      walk(tree.left[node] as number, depth + 1);
      walk(tree.right[node] as number, depth + 1);
    }
  };
  walk(0, 0);
  return out;
}

describe("fitIsolationForest", () => {
  it("samples min(256, n) rows without replacement per tree and respects the depth limit", () => {
    const forest = fitIsolationForest(randomMatrix(1000, 3, 1), 1000, 3, { seed: 1, nEstimators: 10 });
    expect(forest.sampleSize).toBe(256);
    expect(forest.maxDepth).toBe(8);
    expect(forest.trees).toHaveLength(10);
    for (const tree of forest.trees) {
      expect(tree.nodeSize[0]).toBe(256);
      const treeLeaves = leaves(tree);
      // Every sampled row ends in exactly one leaf.
      expect(treeLeaves.reduce((sum, leaf) => sum + leaf.size, 0)).toBe(256);
      expect(Math.max(...treeLeaves.map((leaf) => leaf.depth))).toBeLessThanOrEqual(8);
      // Below the limit a leaf is a single row (the random data has no duplicates).
      for (const leaf of treeLeaves) if (leaf.depth < 8) expect(leaf.size).toBe(1);
    }
  });

  it("isolates a lone outlier in one split: h = 1, score = 2^(-1/c(256))", () => {
    // 255 identical rows and one far away: the first split always separates them, and the identical rows
    // form a leaf because every feature is constant there.
    const rows = 256;
    const data = new Float64Array(rows * 2);
    data[255 * 2] = 100;
    data[255 * 2 + 1] = 100;
    const forest = fitIsolationForest(data, rows, 2, { seed: 3, nEstimators: 20 });
    const scores = compileForest(forest.trees, 2, forest.sampleSize).scoreBatch(data, rows);
    const c256 = averagePathLength(256);
    expect(scores[255]).toBeCloseTo(2 ** (-1 / c256), 12);
    expect(scores[0]).toBeCloseTo(2 ** (-(1 + averagePathLength(255)) / c256), 12);
    expect(scores[255]).toBeCloseTo(0.9346, 4);
  });

  it("gives both of two distinct points h = 1 and score 0.5 when ψ = 2", () => {
    const data = Float64Array.of(0, 5);
    const forest = fitIsolationForest(data, 2, 1, { seed: 9, nEstimators: 5 });
    const scores = compileForest(forest.trees, 1, forest.sampleSize).scoreBatch(data, 2);
    expect([...scores]).toEqual([0.5, 0.5]);
  });

  it("never splits on a constant feature and thresholds lie inside the node's range", () => {
    const random = createRandom(5);
    const rows = 300;
    const data = new Float64Array(rows * 3);
    for (let r = 0; r < rows; r++) {
      data[r * 3] = 7;
      data[r * 3 + 1] = random.next();
      data[r * 3 + 2] = 3 + random.next();
    }
    const forest = fitIsolationForest(data, rows, 3, { seed: 5, nEstimators: 20 });
    for (const tree of forest.trees) {
      tree.feature.forEach((feature, node) => {
        expect(feature).not.toBe(0);
        if (feature === 2) expect(tree.threshold[node]).toBeGreaterThanOrEqual(3);
        if (feature === 1) expect(tree.threshold[node]).toBeLessThan(1);
      });
    }
  });

  it("is deterministic for a seed and changes with it", () => {
    const data = randomMatrix(500, 4, 2);
    const a = fitIsolationForest(data, 500, 4, { seed: 11, nEstimators: 5 });
    const b = fitIsolationForest(data, 500, 4, { seed: 11, nEstimators: 5 });
    const c = fitIsolationForest(data, 500, 4, { seed: 12, nEstimators: 5 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
  });

  it("resolves max_samples like scikit-learn and rejects bad input", () => {
    expect(resolveSampleSize(100)).toBe(100);
    expect(resolveSampleSize(10_000)).toBe(256);
    expect(resolveSampleSize(100, 500)).toBe(100);
    expect(() => resolveSampleSize(100, 0.5)).toThrow(RangeError);
    expect(() => fitIsolationForest(Float64Array.of(Number.NaN), 1, 1)).toThrow(/non-finite/);
    expect(() => fitIsolationForest(new Float64Array(0), 0, 1)).toThrow(RangeError);
  });

  it("scores anomalies (far from the bulk) above inliers", () => {
    const data = randomMatrix(2000, 2, 4);
    data[0] = 1000;
    data[1] = 1000;
    const forest = fitIsolationForest(data, 2000, 2, { seed: 1 });
    const scores = compileForest(forest.trees, 2, forest.sampleSize).scoreBatch(data, 2000);
    expect(scores[0]).toBeGreaterThan(0.75);
    expect(Math.max(...scores.subarray(1))).toBeLessThan(scores[0] as number);
  });
});

describe("compiled forest", () => {
  it("agrees with the naive recursive implementation, in both layouts", () => {
    const data = randomMatrix(3000, 5, 6);
    for (const maxSamples of [256, 3000]) {
      // ψ = 3000 gives depth 12, beyond the perfect layout, so the node-walk path is exercised too.
      const forest = fitIsolationForest(data, 3000, 5, { seed: 2, nEstimators: 13, maxSamples });
      const fast = compileForest(forest.trees, 5, forest.sampleSize).scoreBatch(data, 3000);
      const naive = naiveScoreBatch(buildNaiveForest(forest.trees, 5, forest.sampleSize), data, 3000);
      for (let r = 0; r < 3000; r++) expect(fast[r]).toBeCloseTo(naive[r] as number, 12);
    }
  });

  it("explains a row with contributions that sum to c(ψ) - E[h(x)]", () => {
    const data = randomMatrix(1000, 4, 8);
    data[2] = 500;
    const forest = fitIsolationForest(data, 1000, 4, { seed: 3, nEstimators: 30 });
    const compiled = compileForest(forest.trees, 4, forest.sampleSize);
    const sums = compiled.pathLengthSums(data, 1000);
    const contributions = new Float64Array(4);
    for (const row of [0, 1, 500]) {
      const meanPath = compiled.explainRow(data, row, contributions);
      expect(meanPath).toBeCloseTo((sums[row] as number) / 30, 10);
      const total = contributions.reduce((sum, value) => sum + value, 0);
      expect(total).toBeCloseTo(compiled.normalizer - meanPath, 10);
    }
    compiled.explainRow(data, 0, contributions);
    const top = contributions.indexOf(Math.max(...contributions));
    expect(top).toBe(2);
  });

  it("rejects malformed trees: cycles, shared nodes, bad features", () => {
    const good: TreeArrays = {
      feature: [0, -1, -1],
      threshold: [0.5, 0, 0],
      left: [1, -1, -1],
      right: [2, -1, -1],
      nodeSize: [2, 1, 1],
    };
    expect(() => compileForest([good], 1, 2)).not.toThrow();
    expect(() => compileForest([{ ...good, left: [0, -1, -1] }], 1, 2)).toThrow(/child/);
    expect(() => compileForest([{ ...good, right: [1, -1, -1] }], 1, 2)).toThrow(/two parents/);
    expect(() => compileForest([{ ...good, feature: [3, -1, -1] }], 1, 2)).toThrow(/feature/);
    expect(() => compileForest([{ ...good, nodeSize: [2, 1] }], 1, 2)).toThrow(/entries/);
  });
});
