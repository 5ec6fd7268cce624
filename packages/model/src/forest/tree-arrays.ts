/**
 * One isolation tree as parallel arrays indexed by node, in pre-order (root = 0, children after their
 * parent). This is the model-file form; compiled-forest.ts turns it into the typed arrays used to score.
 * Leaves have feature -1 and children -1; nodeSize is the number of training samples that reached the
 * node, which fixes the leaf's c(n) correction and the per-split explanation credit.
 */
export type TreeArrays = {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  nodeSize: number[];
};

export const LEAF = -1;
