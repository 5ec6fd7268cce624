import { TrainingError } from "../errors.ts";
import { FEATURE_COUNT, FEATURE_SPECS, type TrainingRow, writeTrainingRowFeatures } from "../features.ts";
import type { ModelFile } from "../model-file.ts";
import { type TrainOptions, trainModel } from "../train-model.ts";
import { GrowableMatrix } from "./growable-matrix.ts";

export type TrainFromRowsOptions = TrainOptions & {
  /** A "reading" progress event every this many rows (default 100,000) ... */
  progressEveryRows?: number;
  /** ... or at most this often while rows keep arriving (default 5,000 ms). */
  progressIntervalMs?: number;
  /**
   * Refuse (TRAINING_TOO_MANY_ROWS) rather than read more rows than this: a memory bound, 8 bytes per
   * feature per row (spec 1: 72 bytes, 10M rows ≈ 720 MB; spec 2: 176 bytes). Refusing beats truncating,
   * which would train on the oldest part of a window.
   */
  maxRows?: number;
  /** Checked between rows and before fitting; fitting itself is synchronous (terminate the worker). */
  signal?: AbortSignal;
};

export type TrainFromRowsResult = { model: ModelFile; rows: number };

/** A row already reduced to its features, in a spec's column order, with its time for createdAt. */
export type FeatureRow = { values: ArrayLike<number>; timestamp: number | null };

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
  return trainFromStream(source, FEATURE_COUNT, writeTrainingRowFeatures, options);
}

/**
 * trainModelFromRows for rows whose features were computed elsewhere: spec-2 rows (spec 1 then the
 * context features) that @chainwatch/context builds by streaming transactions through the address state,
 * or feature vectors stored with predictions. Every row must have the spec's width and finite values
 * (TRAINING_BAD_ROW otherwise: a NaN would silently steer every split it reaches).
 */
export async function trainModelFromFeatureRows(
  source: AsyncIterable<FeatureRow> | Iterable<FeatureRow>,
  options: TrainFromRowsOptions & { featureSpecVersion: number },
): Promise<TrainFromRowsResult> {
  const { featureSpecVersion, ...rest } = options;
  const cols = FEATURE_SPECS[featureSpecVersion]?.length;
  if (cols === undefined) throw new RangeError(`unknown feature spec ${featureSpecVersion}`);
  let rowNumber = 0;
  const write = (row: FeatureRow, data: Float64Array, offset: number) => {
    rowNumber++;
    if (row.values.length !== cols)
      throw new TrainingError(
        "TRAINING_BAD_ROW",
        `row ${rowNumber} has ${row.values.length} features, spec ${featureSpecVersion} has ${cols}`,
      );
    for (let j = 0; j < cols; j++) {
      const value = row.values[j] as number;
      if (!Number.isFinite(value))
        throw new TrainingError("TRAINING_BAD_ROW", `row ${rowNumber}: feature ${j} is ${value}`);
      data[offset + j] = value;
    }
  };
  return trainFromStream(source, cols, write, rest);
}

async function trainFromStream<Row extends { timestamp: number | null }>(
  source: AsyncIterable<Row> | Iterable<Row>,
  cols: number,
  write: (row: Row, data: Float64Array, offset: number) => void,
  options: TrainFromRowsOptions,
): Promise<TrainFromRowsResult> {
  const {
    progressEveryRows = 100_000,
    progressIntervalMs = 5_000,
    maxRows,
    signal,
    ...trainOptions
  } = options;
  const matrix = new GrowableMatrix(cols);
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
    write(row, data, offset);
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
    { data: matrix.view(), rows: matrix.rows, cols },
    { ...trainOptions, createdAt: trainOptions.createdAt ?? new Date(latestTimestamp * 1000) },
  );
  return { model, rows: matrix.rows };
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted)
    throw new TrainingError("TRAINING_ABORTED", "training was cancelled", { cause: signal.reason });
}
