import { averagePathLength } from "../forest/path-length.ts";
import { LEAF, type TreeArrays } from "../forest/tree-arrays.ts";

/**
 * The straightforward implementation the flattened scorer is measured against: one object per node,
 * recursive walk, one row at a time. Kept only for the benchmark and as an independent oracle in tests.
 */
type NaiveNode =
  | { kind: "leaf"; pathLength: number }
  | { kind: "split"; feature: number; threshold: number; left: NaiveNode; right: NaiveNode };

export type NaiveForest = { roots: NaiveNode[]; cols: number; normalizer: number };

export function buildNaiveForest(
  trees: readonly TreeArrays[],
  cols: number,
  sampleSize: number,
): NaiveForest {
  const toNode = (tree: TreeArrays, index: number, depth: number): NaiveNode => {
    const feature = tree.feature[index] as number;
    if (feature === LEAF) {
      return { kind: "leaf", pathLength: depth + averagePathLength(tree.nodeSize[index] as number) };
    }
    return {
      kind: "split",
      feature,
      threshold: tree.threshold[index] as number,
      left: toNode(tree, tree.left[index] as number, depth + 1),
      right: toNode(tree, tree.right[index] as number, depth + 1),
    };
  };
  return { roots: trees.map((tree) => toNode(tree, 0, 0)), cols, normalizer: averagePathLength(sampleSize) };
}

function pathLength(node: NaiveNode, row: Float64Array): number {
  if (node.kind === "leaf") return node.pathLength;
  return pathLength((row[node.feature] as number) <= node.threshold ? node.left : node.right, row);
}

export function naiveScoreBatch(forest: NaiveForest, data: Float64Array, rows: number): Float64Array {
  const scores = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const row = data.subarray(r * forest.cols, (r + 1) * forest.cols);
    let total = 0;
    for (const root of forest.roots) total += pathLength(root, row);
    scores[r] = 2 ** (-total / forest.roots.length / forest.normalizer);
  }
  return scores;
}
