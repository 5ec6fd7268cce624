import { Worker } from "node:worker_threads";
import { describeModel, serializeModel, trainSpec2FromStoredFeatures } from "@chainwatch/model";
import type { TrainedBaseline } from "./auto-baseline.ts";

/** The thread's entry (train-baseline-thread.ts), next to this file in the image too. */
export const BASELINE_THREAD_URL: URL = new URL("./train-baseline-thread.ts", import.meta.url);

export interface BaselineThreadData {
  rows: Record<string, number>[];
}

export type BaselineThreadReply = { ok: true; baseline: TrainedBaseline } | { ok: false; message: string };

/**
 * trainBaselineFromServed in a worker thread: the same model, byte for byte, while the gateway's event loop
 * goes on answering. On its own thread the fit stalled every request for seconds (/health/live's worst
 * answer 2.1–8.4 s in the soaks, docs/benchmarks.md "Gateway memory on Redis + PostgreSQL"), and the heap it
 * grew stayed with the gateway. The rows cross once by structured clone; the thread's old generation is
 * capped like a POST /models/train job's.
 */
export async function trainBaselineInThread(
  rows: Record<string, number>[],
  options: { maxOldGenerationSizeMb?: number } = {},
): Promise<TrainedBaseline> {
  const workerData: BaselineThreadData = { rows };
  const worker = new Worker(BASELINE_THREAD_URL, {
    workerData,
    ...(options.maxOldGenerationSizeMb === undefined
      ? {}
      : { resourceLimits: { maxOldGenerationSizeMb: options.maxOldGenerationSizeMb } }),
  });
  try {
    return await new Promise<TrainedBaseline>((resolve, reject) => {
      worker.once("message", (reply: BaselineThreadReply) =>
        reply.ok ? resolve(reply.baseline) : reject(new Error(reply.message)),
      );
      worker.once("error", (error) =>
        reject(new Error(`baseline training thread failed: ${error.message}`, { cause: error })),
      );
      worker.once("exit", (code) =>
        reject(new Error(`baseline training thread exited (code ${code}) before answering`)),
      );
    });
  } finally {
    await worker.terminate();
  }
}

/**
 * A spec-2 baseline from served feature vectors (newest first as read; the order only matters through the
 * seeded subsampling). The same rows give the same model, byte for byte: the file's createdAt is left at
 * its deterministic default (the clock would make every training a new version), and when it was trained
 * is the registry's created_at and `trainedAt` in its metadata. Runs on the calling thread (20–30 k rows of
 * 22 features: 1–2.3 s in the detection benchmark): the gateway calls it through trainBaselineInThread.
 */
export async function trainBaselineFromServed(rows: Record<string, number>[]): Promise<TrainedBaseline> {
  const result = await trainSpec2FromStoredFeatures(rows, { seed: 42 });
  return {
    modelVersion: result.model.modelVersion,
    checksum: result.model.checksum.value,
    featureSpecVersion: result.model.content.featureSpecVersion,
    modelJson: serializeModel(result.model),
    metadata: {
      ...(describeModel(result.model) as unknown as Record<string, unknown>),
      skippedWithoutContext: result.skippedWithoutContext,
      skippedInvalid: result.skippedInvalid,
      trainedAt: new Date().toISOString(),
    },
    rows: result.rows,
  };
}
