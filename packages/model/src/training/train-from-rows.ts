import { TrainingError } from "../errors.ts";
import { FEATURE_COUNT, type TrainingRow, writeTrainingRowFeatures } from "../features.ts";
import type { ModelFile } from "../model-file.ts";
import { type TrainOptions, trainModel } from "../train-model.ts";
import { GrowableMatrix } from "./growable-matrix.ts";

export type TrainFromRowsOptions = TrainOptions & {
  /** A "reading" progress event every this many rows (default 100,000) ... */
  progressEveryRows?: number;
  /** ... or at most this often while rows keep arriving (default 5,000 ms). */
  progressIntervalMs?: number;
  /**
   * Refuse (TRAINING_TOO_MANY_ROWS) rather than read more rows than this: a memory bound, 72 bytes per
   * row (10M rows ≈ 720 MB). Refusing beats truncating, which would train on the oldest part of a window.
   */
  maxRows?: number;
  /** Checked between rows and before fitting; fitting itself is synchronous (terminate the worker). */
  signal?: AbortSignal;
};

export type TrainFromRowsResult = { model: ModelFile; rows: number };

/**
 * Trains from a stream of transactions or stored-transaction summaries: the trainer CLI feeds it file
 * rows, the gateway's training worker feeds it rows read from PostgreSQL. Rows go straight into a growable
 * Float64Array (no row objects kept). createdAt defaults to the latest row timestamp (the epoch when no
 * row has one), never the clock, so the same rows and options always give the same bytes.
 */
export async function trainModelFromRows(
  source: AsyncIterable<TrainingRow> | Iterable<TrainingRow>,
  options: TrainFromRowsOptions = {},
): Promise<TrainFromRowsResult> {
  const {
    progressEveryRows = 100_000,
    progressIntervalMs = 5_000,
    maxRows,
    signal,
    ...trainOptions
  } = options;
  const matrix = new GrowableMatrix(FEATURE_COUNT);
  let latestTimestamp = 0;
  let lastReportRows = 0;
  let lastReportMs = performance.now();
  const report = () => {
    options.onProgress?.({ phase: "reading", rows: matrix.rows });
    lastReportRows = matrix.rows;
    lastReportMs = performance.now();
  };
  throwIfAborted(signal);
  for await (const row of source) {
    if (maxRows !== undefined && matrix.rows >= maxRows) {
      throw new TrainingError("TRAINING_TOO_MANY_ROWS", `more than ${maxRows} training rows`);
    }
    const { data, offset } = matrix.reserveRow();
    writeTrainingRowFeatures(row, data, offset);
    matrix.commitRow();
    if (row.timestamp !== null && row.timestamp > latestTimestamp) latestTimestamp = row.timestamp;
    if ((matrix.rows & 0x3fff) === 0) throwIfAborted(signal);
    if (
      matrix.rows - lastReportRows >= progressEveryRows ||
      ((matrix.rows & 0x3fff) === 0 && performance.now() - lastReportMs >= progressIntervalMs)
    ) {
      report();
    }
  }
  if (matrix.rows !== lastReportRows || matrix.rows === 0) report();
  if (matrix.rows === 0) throw new TrainingError("TRAINING_NO_ROWS", "no usable training rows");
  throwIfAborted(signal);
  const model = trainModel(
    { data: matrix.view(), rows: matrix.rows, cols: FEATURE_COUNT },
    { ...trainOptions, createdAt: trainOptions.createdAt ?? new Date(latestTimestamp * 1000) },
  );
  return { model, rows: matrix.rows };
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted)
    throw new TrainingError("TRAINING_ABORTED", "training was cancelled", { cause: signal.reason });
}
