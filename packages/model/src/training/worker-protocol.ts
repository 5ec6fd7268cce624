import type { TrainingRow } from "../features.ts";
import type { ModelMetadata } from "../model-file.ts";
import type { TrainingProgress } from "../train-model.ts";
import type { TrainingParameters } from "./training-parameters.ts";

/*
 * Messages between a training worker (train-worker.ts) and its parent (start-training-worker.ts). Plain
 * data only: they cross threads by structured clone, which carries bigint amounts as they are.
 */

/** Where the worker's rows come from. */
export type TrainingInput =
  /** Streamed by the parent in batches (rows from PostgreSQL, an upload being parsed, ...). */
  | { kind: "rows" }
  /** A CSV or JSON Lines file (optionally .gz) the worker reads itself, exactly as the trainer CLI does. */
  | { kind: "file"; path: string; where?: { column: string; value: string }; onBadRow?: "skip" | "fail" };

/** workerData of a training worker. */
export type TrainWorkerData = {
  input: TrainingInput;
  parameters: TrainingParameters;
  /** ISO date; default the latest row timestamp (see trainModelFromRows). */
  createdAt?: string;
  /** Metadata naming the data, e.g. "transactions 2025-01-01T00:00:00Z/2025-01-02T00:00:00Z". */
  source?: string;
  maxRows?: number;
  progressEveryRows?: number;
};

export type ParentMessage = { type: "rows"; rows: TrainingRow[] } | { type: "end" };

export type TrainingJobOutput = {
  /** The model file exactly as writeModelFile would write it (canonical JSON plus a newline). */
  modelJson: string;
  modelVersion: string;
  checksum: string;
  metadata: ModelMetadata;
  rows: number;
  /** File input with onBadRow "skip": lines skipped. */
  badRows: number;
};

export type WorkerMessage =
  /** Ready for another batch of rows (input "rows"); the parent sends one batch per pull. */
  | { type: "pull" }
  | { type: "progress"; progress: TrainingProgress }
  | { type: "done"; output: TrainingJobOutput }
  | { type: "error"; error: { name: string; code?: string; message: string } };
