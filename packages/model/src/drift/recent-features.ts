import { FEATURE_COUNT, type TrainingRow, writeTrainingRowFeatures } from "../features.ts";
import type { FeatureMatrix } from "../train-model.ts";
import { GrowableMatrix } from "../training/growable-matrix.ts";

/** Default bound on recent rows for drift: 1M rows is 72 MB of features and far more than PSI/KS need. */
export const MAX_RECENT_DRIFT_ROWS = 1_000_000;

/**
 * The feature matrix detectDrift takes, from recent transactions or stored-transaction summaries, e.g.
 * `recentFeatureMatrix(streamStoredTransactions(db, lastHour))`. Same arithmetic as training. Throws a
 * RangeError past `maxRows` rather than silently keeping the oldest part of the window: bound the window.
 */
export async function recentFeatureMatrix(
  source: AsyncIterable<TrainingRow> | Iterable<TrainingRow>,
  options: { maxRows?: number } = {},
): Promise<FeatureMatrix> {
  const maxRows = options.maxRows ?? MAX_RECENT_DRIFT_ROWS;
  const matrix = new GrowableMatrix(FEATURE_COUNT);
  for await (const row of source) {
    if (matrix.rows >= maxRows) throw new RangeError(`more than ${maxRows} recent rows; narrow the window`);
    const { data, offset } = matrix.reserveRow();
    writeTrainingRowFeatures(row, data, offset);
    matrix.commitRow();
  }
  return { data: matrix.view(), rows: matrix.rows, cols: FEATURE_COUNT };
}
