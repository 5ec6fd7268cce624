import { cpus } from "node:os";
import { extractFeatureMatrix } from "../features.ts";
import { compileForest } from "../forest/compiled-forest.ts";
import { readModelFile } from "../model-file.ts";
import { generateSyntheticTraffic } from "../synthetic-traffic.ts";
import { buildNaiveForest, naiveScoreBatch } from "./naive-forest.ts";

/*
 * Scores-only throughput of the shipped model (100 trees, ψ = 256) on one thread: the flattened scorer
 * against the naive object-tree walk, same rows, same run. Features are extracted once beforehand; this
 * measures the forest, not normalisation. Run: pnpm --filter @chainwatch/model bench
 */

const ROWS = 200_000;
const ROUNDS = 5;

const model = readModelFile(new URL("../../models/default.model.json", import.meta.url));
const { trees, featureNames, training } = model.content;
const cols = featureNames.length;
const traffic = generateSyntheticTraffic({ count: ROWS, seed: 1, outlierRate: 0.01 }).transactions;
const { data } = extractFeatureMatrix(traffic);

const flat = compileForest(trees, cols, training.sampleSize);
const naive = buildNaiveForest(trees, cols, training.sampleSize);

function measure(
  name: string,
  score: () => Float64Array,
): { name: string; txPerSecond: number; scores: Float64Array } {
  let best = Number.POSITIVE_INFINITY;
  let scores = score(); // warm-up: let the JIT optimise before timing
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    scores = score();
    best = Math.min(best, performance.now() - started);
  }
  return { name, txPerSecond: ROWS / (best / 1000), scores };
}

const results = [
  measure("flattened (typed arrays)", () => flat.scoreBatch(data, ROWS)),
  measure("naive (object trees)", () => naiveScoreBatch(naive, data, ROWS)),
];
const [fast, slow] = results;
const out = process.stdout;
out.write(
  `model ${model.modelVersion}: ${trees.length} trees, sample size ${training.sampleSize}, ${ROWS} rows, best of ${ROUNDS}\n`,
);
out.write(`node ${process.version}, ${cpus().length} cpus (${cpus()[0]?.model ?? "unknown"}), 1 thread\n`);
for (const result of results) {
  out.write(
    `${result.name.padEnd(26)} ${Math.round(result.txPerSecond).toLocaleString("en-US").padStart(12)} tx/s\n`,
  );
}
if (fast !== undefined && slow !== undefined) {
  out.write(`ratio flattened/naive      ${(fast.txPerSecond / slow.txPerSecond).toFixed(1)}x\n`);
  // Both must compute the same score for every row; they sum the 100 path lengths in a different order
  // (naive: tree by tree; flattened: groups of eight), so allow 1e-12 per row. A mismatch means the
  // benchmark compares different things.
  let worst = 0;
  for (let r = 0; r < ROWS; r++) {
    const difference = Math.abs((fast.scores[r] as number) - (slow.scores[r] as number));
    if (!(difference <= worst)) worst = difference;
  }
  out.write(`max |score difference|    ${worst.toExponential(2)} (limit 1e-12)\n`);
  if (!(worst <= 1e-12)) {
    process.stderr.write(`score mismatch: max difference ${worst} > 1e-12\n`);
    process.exitCode = 1;
  }
}
