import { averagePathLength } from "./path-length.ts";
import { LEAF, type TreeArrays } from "./tree-arrays.ts";

/**
 * A forest flattened for scoring. Two layouts over the same trees:
 *
 * - node arrays (all trees concatenated, Int32Array feature/left/right, Float64Array threshold and
 *   leafPathLength = depth + c(nodeSize)), walked per row; used for explanations and any depth;
 * - a ranked perfect-tree layout for scoreBatch when the depth limit is small (ψ = 256 ⇒ depth 8) and there
 *   are at most 16 features: every tree is padded to a complete tree of depth D (a shallow leaf's subtree
 *   repeats its path length) and each split is packed into one int32 (threshold rank, feature), so a walk
 *   is exactly D integer steps `s = 2s + (rank > k)` with no leaf test and no float compare. Rows are
 *   ranked once per feature (binary search over the forest's sorted thresholds) and walked in blocks of
 *   64, eight rows at a time against one tree, so the tree and the block's ranks stay in L1.
 */
export type CompiledForest = {
  cols: number;
  nTrees: number;
  sampleSize: number;
  /** c(ψ), the path length that maps to score 0.5. */
  normalizer: number;
  /** Sum over trees of h(x) for each row. */
  pathLengthSums(data: Float64Array, rows: number, out?: Float64Array): Float64Array;
  /** Anomaly scores s = 2^(-E[h]/c(ψ)) for each row. */
  scoreBatch(data: Float64Array, rows: number): Float64Array;
  /**
   * Walks one row and credits every split on its paths to the split feature; returns E[h(x)] and leaves in
   * `contributions` the mean path-length shortening per feature (they sum to c(ψ) - E[h(x)]).
   */
  explainRow(data: Float64Array, row: number, contributions: Float64Array): number;
};

const MAX_PERFECT_DEPTH = 11;
const ROW_BLOCK = 512;

export function compileForest(
  trees: readonly TreeArrays[],
  cols: number,
  sampleSize: number,
): CompiledForest {
  const totalNodes = trees.reduce((sum, tree) => sum + tree.feature.length, 0);
  const feature = new Int32Array(totalNodes);
  const left = new Int32Array(totalNodes);
  const right = new Int32Array(totalNodes);
  const threshold = new Float64Array(totalNodes);
  const leafPathLength = new Float64Array(totalNodes);
  const expectedRemaining = new Float64Array(totalNodes);
  const roots = new Int32Array(trees.length);
  let maxDepth = 0;

  let offset = 0;
  trees.forEach((tree, t) => {
    const depths = validateTree(tree, cols, t);
    roots[t] = offset;
    for (let i = 0; i < tree.feature.length; i++) {
      const g = offset + i;
      const f = tree.feature[i] as number;
      const size = tree.nodeSize[i] as number;
      const depth = depths[i] as number;
      feature[g] = f;
      threshold[g] = tree.threshold[i] as number;
      left[g] = f === LEAF ? LEAF : offset + (tree.left[i] as number);
      right[g] = f === LEAF ? LEAF : offset + (tree.right[i] as number);
      expectedRemaining[g] = averagePathLength(size);
      if (f === LEAF) leafPathLength[g] = depth + averagePathLength(size);
      if (depth > maxDepth) maxDepth = depth;
    }
    offset += tree.feature.length;
  });

  const nTrees = trees.length;
  const normalizer = averagePathLength(sampleSize);
  const ranked =
    maxDepth <= MAX_PERFECT_DEPTH ? buildRankedLayout(trees, cols, maxDepth, leafPathLength, roots) : null;

  function nodeWalkSums(data: Float64Array, rows: number, out: Float64Array): void {
    for (let blockStart = 0; blockStart < rows; blockStart += ROW_BLOCK) {
      const blockEnd = Math.min(rows, blockStart + ROW_BLOCK);
      for (let t = 0; t < nTrees; t++) {
        const root = roots[t] as number;
        for (let r = blockStart; r < blockEnd; r++) {
          const base = r * cols;
          let node = root;
          let f = feature[node] as number;
          while (f !== LEAF) {
            node =
              (data[base + f] as number) <= (threshold[node] as number)
                ? (left[node] as number)
                : (right[node] as number);
            f = feature[node] as number;
          }
          out[r] = (out[r] as number) + (leafPathLength[node] as number);
        }
      }
    }
  }

  function pathLengthSums(data: Float64Array, rows: number, out = new Float64Array(rows)): Float64Array {
    checkInput(data, rows, cols);
    out.fill(0, 0, rows);
    if (ranked === null) nodeWalkSums(data, rows, out);
    else rankedWalkSums(ranked, nTrees, cols, data, rows, out);
    return out;
  }

  return {
    cols,
    nTrees,
    sampleSize,
    normalizer,
    pathLengthSums,
    scoreBatch(data, rows) {
      const sums = pathLengthSums(data, rows);
      const scale = normalizer === 0 ? 0 : -1 / (nTrees * normalizer);
      for (let r = 0; r < rows; r++) sums[r] = normalizer === 0 ? 0.5 : 2 ** ((sums[r] as number) * scale);
      return sums;
    },
    explainRow(data, row, contributions) {
      contributions.fill(0);
      const base = row * cols;
      let pathSum = 0;
      for (let t = 0; t < nTrees; t++) {
        let node = roots[t] as number;
        let f = feature[node] as number;
        while (f !== LEAF) {
          const next =
            (data[base + f] as number) <= (threshold[node] as number)
              ? (left[node] as number)
              : (right[node] as number);
          // Before the split a typical point still needed c(n) edges; after it, 1 + c(n_child). The
          // difference is how much this split shortened the isolation of x, credited to the split feature;
          // summed along the path it telescopes to c(ψ) - h(x).
          contributions[f] =
            (contributions[f] as number) +
            (expectedRemaining[node] as number) -
            1 -
            (expectedRemaining[next] as number);
          node = next;
          f = feature[node] as number;
        }
        pathSum += leafPathLength[node] as number;
      }
      for (let j = 0; j < cols; j++) contributions[j] = (contributions[j] as number) / nTrees;
      return pathSum / nTrees;
    },
  };
}

/** Rows per block in the ranked walk: their ranks (64 × 16 int32 = 4 KB) and one tree (1 KB + 2 KB) stay in L1. */
const BLOCK_ROWS = 64;
/** Rows walked side by side against one tree: eight independent load chains for the CPU to overlap. */
const LANES = 8;
/** Feature indices live in the low 4 bits of a packed node, so the ranked walk needs ≤ 16 columns. */
const FEATURE_BITS = 4;
const FEATURE_MASK = (1 << FEATURE_BITS) - 1;
const RANK_STRIDE = 1 << FEATURE_BITS;

/**
 * The perfect-tree layout with thresholds replaced by integer ranks. For each feature f the distinct split
 * thresholds of the whole forest are sorted, T_f[0] < T_f[1] < …, and a value x gets
 * rank_f(x) = #{k : !(x <= T_f[k])} — the number of thresholds x does not go left of (NaN: all of them,
 * like +∞). Because `x <= t` is monotone in t, `x <= T_f[k]` holds exactly when rank_f(x) <= k, so every
 * branch, and therefore every leaf and every score, is the same as with the float64 compare; only the
 * order of work changes. A node then packs into one int32, (k << 4) | f, and the step is integer-only:
 * with the row's ranks stored as rank << 4, `(node - rank[f]) >>> 31` is 1 exactly when rank > k (go right).
 */
type RankedLayout = {
  depth: number;
  /** 2^depth - 1 packed nodes per tree in heap order (slot s has children 2s and 2s + 1, root s = 1). */
  nodes: Int32Array;
  /** 2^depth leaf path lengths per tree, left to right; a shallow leaf repeats over its padded subtree. */
  leafValue: Float64Array;
  /** Features some node splits on; the others never need a rank. */
  searchedFeatures: Int32Array;
  /** Per feature, its sorted distinct thresholds padded with +∞ to `searchSize` (a power of two). */
  sortedThresholds: Float64Array;
  searchSize: number;
};

function buildRankedLayout(
  trees: readonly TreeArrays[],
  cols: number,
  maxDepth: number,
  leafPathLength: Float64Array,
  roots: Int32Array,
): RankedLayout | null {
  if (cols > RANK_STRIDE) return null;
  const perFeature: number[][] = Array.from({ length: cols }, () => []);
  for (const tree of trees) {
    for (let i = 0; i < tree.feature.length; i++) {
      const f = tree.feature[i] as number;
      if (f !== LEAF) perFeature[f]?.push(tree.threshold[i] as number);
    }
  }
  // Distinct values (Set and Map use SameValueZero, so -0 and 0 are one threshold, as they compare equal).
  const sorted = perFeature.map((values) => Float64Array.from(new Set(values)).sort());
  const longest = Math.max(1, ...sorted.map((values) => values.length));
  // Integer arithmetic throughout (1 << n, not 2 ** n): V8 then keeps these as small ints, not doubles.
  const searchSize = 1 << Math.ceil(Math.log2(longest + 1));
  // Ranks go up to searchSize; packed values must stay below 2^31 so differences cannot overflow.
  if (searchSize << FEATURE_BITS >= 2 ** 30) return null;
  const sortedThresholds = new Float64Array(cols * searchSize).fill(Number.POSITIVE_INFINITY);
  const rankOf = sorted.map((values, f) => {
    sortedThresholds.set(values, f * searchSize);
    return new Map(Array.from(values, (value, k) => [value, k]));
  });
  const searchedFeatures = Int32Array.from(sorted.flatMap((values, f) => (values.length > 0 ? [f] : [])));

  // A forest of single leaves still gets one (padding) level so every walk has a root step.
  const depth = Math.max(1, maxDepth);
  const inner = (1 << depth) - 1;
  const leaves = 1 << depth;
  // Padding nodes: rank k = searchSize is never exceeded, so every row (NaN too) goes left; the padded
  // subtree's leaves all repeat the real leaf's value anyway.
  const nodes = new Int32Array(trees.length * inner).fill(searchSize << FEATURE_BITS);
  const leafValue = new Float64Array(trees.length * leaves);
  trees.forEach((tree, t) => {
    const place = (node: number, slot: number, level: number): void => {
      const f = tree.feature[node] as number;
      if (f === LEAF) {
        // Heap slot `slot` at level `level` covers leaves [first, first + span) of the bottom level.
        const span = 2 ** (depth - level);
        const first = (slot - 2 ** level) * span;
        const value = leafPathLength[(roots[t] as number) + node] as number;
        leafValue.fill(value, t * leaves + first, t * leaves + first + span);
        return;
      }
      const k = rankOf[f]?.get(tree.threshold[node] as number) as number;
      nodes[t * inner + slot - 1] = (k << FEATURE_BITS) | f;
      place(tree.left[node] as number, 2 * slot, level + 1);
      place(tree.right[node] as number, 2 * slot + 1, level + 1);
    };
    place(0, 1, 0);
  });
  return { depth, nodes, leafValue, searchedFeatures, sortedThresholds, searchSize };
}

/**
 * Writes rank_f(x) << 4 for rows [start, start + count) of `data` into `ranks` (row i of the block at
 * i * 16 + f). Branch-free binary search over the +∞-padded power-of-two table, four rows interleaved so
 * their dependent load chains overlap.
 */
function rankRows(
  layout: RankedLayout,
  cols: number,
  data: Float64Array,
  start: number,
  count: number,
  ranks: Int32Array,
): void {
  const { searchedFeatures, sortedThresholds: table, searchSize } = layout;
  for (let u = 0; u < searchedFeatures.length; u++) {
    const f = searchedFeatures[u] as number;
    const lo = f * searchSize;
    let r = 0;
    for (; r + 4 <= count; r += 4) {
      const base = (start + r) * cols + f;
      const x0 = data[base] as number;
      const x1 = data[base + cols] as number;
      const x2 = data[base + 2 * cols] as number;
      const x3 = data[base + 3 * cols] as number;
      let i0 = lo;
      let i1 = lo;
      let i2 = lo;
      let i3 = lo;
      for (let half = searchSize >>> 1; half > 0; half >>>= 1) {
        // +!(x <= t) is 1 for t < x and for NaN x; V8 compiles it to a flag-set, not a branch.
        i0 += +!(x0 <= (table[i0 + half - 1] as number)) * half;
        i1 += +!(x1 <= (table[i1 + half - 1] as number)) * half;
        i2 += +!(x2 <= (table[i2 + half - 1] as number)) * half;
        i3 += +!(x3 <= (table[i3 + half - 1] as number)) * half;
      }
      const o = r * RANK_STRIDE + f;
      ranks[o] = (i0 - lo + +!(x0 <= (table[i0] as number))) << FEATURE_BITS;
      ranks[o + RANK_STRIDE] = (i1 - lo + +!(x1 <= (table[i1] as number))) << FEATURE_BITS;
      ranks[o + 2 * RANK_STRIDE] = (i2 - lo + +!(x2 <= (table[i2] as number))) << FEATURE_BITS;
      ranks[o + 3 * RANK_STRIDE] = (i3 - lo + +!(x3 <= (table[i3] as number))) << FEATURE_BITS;
    }
    for (; r < count; r++) {
      const x = data[(start + r) * cols + f] as number;
      let i = lo;
      for (let half = searchSize >>> 1; half > 0; half >>>= 1) {
        i += +!(x <= (table[i + half - 1] as number)) * half;
      }
      ranks[r * RANK_STRIDE + f] = (i - lo + +!(x <= (table[i] as number))) << FEATURE_BITS;
    }
  }
}

/**
 * Adds each tree's leaf path length for the block's rows into `sums`, in the summation order of the
 * earlier per-row walk (trees in groups of eight summed left to right, each group then added to the row's
 * total; trees past the last full group added one by one) so results are bit-identical to it.
 */
function walkBlock(
  layout: RankedLayout,
  nTrees: number,
  ranks: Int32Array,
  blockRows: number,
  group: Float64Array,
  sums: Float64Array,
): void {
  const { depth, nodes, leafValue } = layout;
  const inner = (1 << depth) - 1;
  const leaves = 1 << depth;
  const grouped = nTrees - (nTrees % 8);
  sums.fill(0, 0, blockRows);
  for (let t = 0; t < nTrees; t++) {
    // Heap slot s of tree t is nodes[b + s]; after `depth` steps s is 2^depth + leaf index.
    const b = t * inner - 1;
    const l = t * leaves - leaves;
    const root = nodes[b + 1] as number;
    const rootFeature = root & FEATURE_MASK;
    const startsGroup = t % 8 === 0 || t >= grouped;
    for (let r = 0; r < blockRows; r += LANES) {
      const o = r * RANK_STRIDE;
      // s = 2s + (1 if rank > k): the right child. Eight rows side by side are eight independent chains.
      let s0 = 2 + ((root - (ranks[o + rootFeature] as number)) >>> 31);
      let s1 = 2 + ((root - (ranks[o + 16 + rootFeature] as number)) >>> 31);
      let s2 = 2 + ((root - (ranks[o + 32 + rootFeature] as number)) >>> 31);
      let s3 = 2 + ((root - (ranks[o + 48 + rootFeature] as number)) >>> 31);
      let s4 = 2 + ((root - (ranks[o + 64 + rootFeature] as number)) >>> 31);
      let s5 = 2 + ((root - (ranks[o + 80 + rootFeature] as number)) >>> 31);
      let s6 = 2 + ((root - (ranks[o + 96 + rootFeature] as number)) >>> 31);
      let s7 = 2 + ((root - (ranks[o + 112 + rootFeature] as number)) >>> 31);
      for (let level = 1; level < depth; level++) {
        const n0 = nodes[b + s0] as number;
        const n1 = nodes[b + s1] as number;
        const n2 = nodes[b + s2] as number;
        const n3 = nodes[b + s3] as number;
        const n4 = nodes[b + s4] as number;
        const n5 = nodes[b + s5] as number;
        const n6 = nodes[b + s6] as number;
        const n7 = nodes[b + s7] as number;
        s0 = 2 * s0 + ((n0 - (ranks[o + (n0 & FEATURE_MASK)] as number)) >>> 31);
        s1 = 2 * s1 + ((n1 - (ranks[o + 16 + (n1 & FEATURE_MASK)] as number)) >>> 31);
        s2 = 2 * s2 + ((n2 - (ranks[o + 32 + (n2 & FEATURE_MASK)] as number)) >>> 31);
        s3 = 2 * s3 + ((n3 - (ranks[o + 48 + (n3 & FEATURE_MASK)] as number)) >>> 31);
        s4 = 2 * s4 + ((n4 - (ranks[o + 64 + (n4 & FEATURE_MASK)] as number)) >>> 31);
        s5 = 2 * s5 + ((n5 - (ranks[o + 80 + (n5 & FEATURE_MASK)] as number)) >>> 31);
        s6 = 2 * s6 + ((n6 - (ranks[o + 96 + (n6 & FEATURE_MASK)] as number)) >>> 31);
        s7 = 2 * s7 + ((n7 - (ranks[o + 112 + (n7 & FEATURE_MASK)] as number)) >>> 31);
      }
      if (startsGroup) {
        group[r] = leafValue[l + s0] as number;
        group[r + 1] = leafValue[l + s1] as number;
        group[r + 2] = leafValue[l + s2] as number;
        group[r + 3] = leafValue[l + s3] as number;
        group[r + 4] = leafValue[l + s4] as number;
        group[r + 5] = leafValue[l + s5] as number;
        group[r + 6] = leafValue[l + s6] as number;
        group[r + 7] = leafValue[l + s7] as number;
      } else {
        group[r] = (group[r] as number) + (leafValue[l + s0] as number);
        group[r + 1] = (group[r + 1] as number) + (leafValue[l + s1] as number);
        group[r + 2] = (group[r + 2] as number) + (leafValue[l + s2] as number);
        group[r + 3] = (group[r + 3] as number) + (leafValue[l + s3] as number);
        group[r + 4] = (group[r + 4] as number) + (leafValue[l + s4] as number);
        group[r + 5] = (group[r + 5] as number) + (leafValue[l + s5] as number);
        group[r + 6] = (group[r + 6] as number) + (leafValue[l + s6] as number);
        group[r + 7] = (group[r + 7] as number) + (leafValue[l + s7] as number);
      }
    }
    if (t % 8 === 7 || t >= grouped) {
      for (let r = 0; r < blockRows; r++) sums[r] = (sums[r] as number) + (group[r] as number);
    }
  }
}

function rankedWalkSums(
  layout: RankedLayout,
  nTrees: number,
  cols: number,
  data: Float64Array,
  rows: number,
  out: Float64Array,
): void {
  // Block-local scratch; the walk always covers whole groups of LANES rows, so the ranks of rows past the
  // end of a short last block stay zero (valid, merely unused) and their sums are not copied out.
  const ranks = new Int32Array(BLOCK_ROWS * RANK_STRIDE);
  const group = new Float64Array(BLOCK_ROWS);
  const sums = new Float64Array(BLOCK_ROWS);
  for (let start = 0; start < rows; start += BLOCK_ROWS) {
    const count = Math.min(BLOCK_ROWS, rows - start);
    const blockRows = Math.ceil(count / LANES) * LANES;
    if (count < BLOCK_ROWS) ranks.fill(0);
    rankRows(layout, cols, data, start, count, ranks);
    walkBlock(layout, nTrees, ranks, blockRows, group, sums);
    for (let r = 0; r < count; r++) out[start + r] = (out[start + r] as number) + (sums[r] as number);
  }
}

function checkInput(data: Float64Array, rows: number, cols: number): void {
  if (!Number.isInteger(rows) || rows < 0 || data.length < rows * cols) {
    throw new RangeError(`expected ${rows} rows of ${cols} features, got ${data.length} values`);
  }
}

/** Structural checks so a hostile or corrupt file cannot loop, index out of bounds or share nodes. */
function validateTree(tree: TreeArrays, cols: number, t: number): Int32Array {
  const n = tree.feature.length;
  const fail = (message: string): never => {
    throw new Error(`tree ${t}: ${message}`);
  };
  if (n === 0) fail("has no nodes");
  for (const [name, array] of Object.entries(tree)) {
    if ((array as number[]).length !== n)
      fail(`${name} has ${(array as number[]).length} entries, expected ${n}`);
  }
  const depths = new Int32Array(n);
  const parents = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const f = tree.feature[i] as number;
    const size = tree.nodeSize[i] as number;
    if (!Number.isInteger(size) || size < 1) fail(`node ${i} has nodeSize ${size}`);
    if (i > 0 && parents[i] === -1) fail(`node ${i} is unreachable`);
    if (f === LEAF) continue;
    if (!Number.isInteger(f) || f < 0 || f >= cols) fail(`node ${i} splits on feature ${f} of ${cols}`);
    if (!Number.isFinite(tree.threshold[i])) fail(`node ${i} has a non-finite threshold`);
    for (const child of [tree.left[i] as number, tree.right[i] as number]) {
      // Children strictly after the parent make every walk terminate.
      if (!Number.isInteger(child) || child <= i || child >= n) fail(`node ${i} has child ${child}`);
      if (parents[child] !== -1) fail(`node ${child} has two parents`);
      parents[child] = i;
      depths[child] = (depths[i] as number) + 1;
    }
  }
  return depths;
}
