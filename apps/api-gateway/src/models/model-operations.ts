import { randomUUID } from "node:crypto";
import { realpathSync } from "node:fs";
import path from "node:path";
import type { ScoringMetrics } from "@chainwatch/metrics";
import {
  type DriftReport,
  detectDrift,
  type FeatureMatrix,
  parseModelFile,
  recentFeatureMatrix,
  SPEC_2_FEATURE_NAMES,
  startTrainingWorker,
  type TrainingParameters,
} from "@chainwatch/model";
import type { RegistryModelProvider } from "@chainwatch/scoring";
import { ChainwatchError, type Logger } from "@chainwatch/service-kit";
import {
  createDriftReports,
  type Database,
  type DriftReportQuery,
  type DriftTrigger,
  MAX_SERVED_FEATURE_ROWS,
  type ModelRegistry,
  newestWindowStart,
  type Repositories,
  type StoredDriftReport,
  streamStoredTransactions,
} from "@chainwatch/store";
import { tooManyJobs, validationError } from "../http/errors.ts";

export type TrainingSource =
  | { kind: "stored"; since: string; until: string }
  | { kind: "file"; path: string };

export interface TrainingJob {
  id: string;
  status: "running" | "succeeded" | "failed";
  phase: string;
  rows: number;
  source: TrainingSource;
  modelVersion: string | null;
  /** Whether the trained version was new to the registry (false: the same file was registered before). */
  registered: boolean | null;
  error: { code: string; message: string } | null;
  startedAt: string;
  finishedAt: string | null;
  createdBy: string;
}

export interface ModelOperationsOptions {
  registry: ModelRegistry;
  /** The newest served feature vectors (the store's `servedFeatureVectors`): a spec-2 model's drift input. */
  servedFeatureVectors: Repositories["servedFeatureVectors"];
  models: RegistryModelProvider;
  database: Database;
  metrics: ScoringMetrics;
  logger: Logger;
  /** Training files are read only under this directory; unset → file training refused. */
  trainingDataDir: string | undefined;
  /** Finished jobs kept for GET; oldest dropped first. */
  maxJobs?: number;
  /** Bounds of training: jobs at once (one more is refused with 429), rows per job, worker heap. */
  trainingLimits: { maxConcurrentJobs: number; maxRows: number; maxMemoryMb: number };
}

/**
 * Model work that must not run on a request: training (a worker thread per job, the result registered as
 * an inactive version), and drift checks of recent stored traffic against the active model.
 */
export function createModelOperations(options: ModelOperationsOptions) {
  const { registry, models, database, metrics, logger } = options;
  const jobs = new Map<string, TrainingJob>();
  const driftReports = createDriftReports(database);
  const running = new Set<Promise<unknown>>();
  const cancels = new Set<() => void>();

  /**
   * The real path of a training file under MODEL_TRAINING_DATA_DIR. Links are resolved before the check:
   * comparing path text let a symlink inside the folder read any file the process can.
   */
  function resolveTrainingFile(requested: string): string {
    const dir = options.trainingDataDir;
    if (!dir) {
      throw validationError("training from a file is disabled (MODEL_TRAINING_DATA_DIR is not set)", [
        { path: "source.path", message: "file training disabled" },
      ]);
    }
    const root = realpathSync(path.resolve(dir));
    let resolved: string;
    try {
      resolved = realpathSync(path.resolve(root, requested));
    } catch {
      throw validationError("no such training file under MODEL_TRAINING_DATA_DIR", [
        { path: "source.path", message: "not found" },
      ]);
    }
    if (resolved.startsWith(`${root}${path.sep}`)) return resolved;
    throw validationError("training file must be under MODEL_TRAINING_DATA_DIR", [
      { path: "source.path", message: "outside the training data directory" },
    ]);
  }

  function startTraining(source: TrainingSource, parameters: TrainingParameters, actor: string): TrainingJob {
    const limits = options.trainingLimits;
    let input: Parameters<typeof startTrainingWorker>[0]["input"];
    let sourceName: string;
    if (source.kind === "file") {
      const file = resolveTrainingFile(source.path);
      input = { kind: "file", path: file };
      sourceName = path.basename(file);
    } else {
      const since = new Date(source.since);
      const until = new Date(source.until);
      if (!(since < until)) {
        throw validationError("since must be before until", [
          { path: "source.until", message: "not after since" },
        ]);
      }
      input = { kind: "rows", rows: streamStoredTransactions(database, { since, until }) };
      sourceName = `stored:${since.toISOString()}..${until.toISOString()}`;
    }
    if (running.size >= limits.maxConcurrentJobs) throw tooManyJobs("training", limits.maxConcurrentJobs);
    const job: TrainingJob = {
      id: randomUUID(),
      status: "running",
      phase: "starting",
      rows: 0,
      source,
      modelVersion: null,
      registered: null,
      error: null,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      createdBy: actor,
    };
    jobs.set(job.id, job);
    for (const id of jobs.keys()) {
      if (jobs.size <= (options.maxJobs ?? 100)) break;
      if (jobs.get(id)?.status !== "running") jobs.delete(id);
    }
    const handle = startTrainingWorker({
      input,
      parameters,
      source: sourceName,
      maxRows: limits.maxRows,
      resourceLimits: { maxOldGenerationSizeMb: limits.maxMemoryMb },
      onProgress: (progress) => {
        job.phase = progress.phase;
        job.rows = progress.rows;
      },
    });
    cancels.add(handle.cancel);
    const work = handle.result
      .then(async (output) => {
        const model = parseModelFile(output.modelJson);
        const { created } = await registry.register({
          version: output.modelVersion,
          featureSpecVersion: model.content.featureSpecVersion,
          checksum: output.checksum,
          metadata: output.metadata as unknown as Record<string, unknown>,
          fileJson: output.modelJson,
          createdBy: actor,
        });
        Object.assign(job, {
          status: "succeeded",
          phase: "done",
          rows: output.rows,
          modelVersion: output.modelVersion,
          registered: created,
        });
        logger.info({ jobId: job.id, modelVersion: output.modelVersion, rows: output.rows }, "model trained");
      })
      .catch((error: unknown) => {
        const code = (error as { code?: unknown }).code;
        job.status = "failed";
        job.error = {
          code: typeof code === "string" ? code : "TRAINING_FAILED",
          message: String((error as Error).message ?? error).slice(0, 1_000),
        };
        logger.warn({ jobId: job.id, err: error }, "model training failed");
      })
      .finally(() => {
        job.finishedAt = new Date().toISOString();
        cancels.delete(handle.cancel);
        running.delete(work);
      });
    running.add(work);
    return { ...job };
  }

  /**
   * Recent stored traffic (since, default the last hour) against the active model: sets the drift gauges
   * and records the report (drift_reports), so the history shows when drift began.
   */
  /** The newest served feature vectors as a spec-2 matrix (a spec-2 model's features need the context). */
  async function recentSpec2Matrix(maxRows: number): Promise<FeatureMatrix> {
    const vectors = await options.servedFeatureVectors(Math.min(maxRows, MAX_SERVED_FEATURE_ROWS));
    const cols = SPEC_2_FEATURE_NAMES.length;
    const data = new Float64Array(vectors.length * cols);
    let rows = 0;
    for (const vector of vectors) {
      const values = SPEC_2_FEATURE_NAMES.map((name) => vector[name]);
      if (!values.every((value) => typeof value === "number" && Number.isFinite(value))) continue;
      data.set(values as number[], rows * cols);
      rows++;
    }
    return { data: data.subarray(0, rows * cols), rows, cols };
  }

  async function checkDrift(
    request: { since?: Date; maxRows?: number; trigger?: DriftTrigger; requestedBy?: string } = {},
  ): Promise<DriftReport & { id: string; recordedAt: string }> {
    const until = new Date();
    const maxRows = request.maxRows ?? 100_000;
    // The newest maxRows of the window: drift is about recent traffic. The report's window says which.
    const since = await newestWindowStart(
      database,
      { since: request.since ?? new Date(until.getTime() - 3_600_000), until },
      maxRows,
    );
    // Spec 1 is recomputed from the stored transactions of the window; a spec-2 model's context features
    // exist only as served, so its recent matrix is the newest served vectors (up to maxRows).
    const isSpec2 = models.activeModel().content.featureSpecVersion === 2;
    const matrix = isSpec2
      ? await recentSpec2Matrix(maxRows)
      : await recentFeatureMatrix(limited(streamStoredTransactions(database, { since, until }), maxRows), {
          maxRows,
        });
    if (matrix.rows === 0)
      throw new ChainwatchError(
        "DRIFT_NO_TRAFFIC",
        `no stored transactions between ${since.toISOString()} and ${until.toISOString()}; nothing to compare`,
      );
    const report = detectDrift(models.activeModel(), matrix);
    metrics.modelDriftScore.reset();
    for (const feature of report.features)
      metrics.modelDriftScore.set({ feature: feature.feature }, feature.psi);
    metrics.modelDriftDetected.set(report.severity === "none" ? 0 : 1);
    const stored = await driftReports.record({
      modelVersion: report.modelVersion,
      trigger: request.trigger ?? "api",
      requestedBy: request.requestedBy ?? "scheduler",
      windowSince: since,
      windowUntil: until,
      recentRows: report.recentRows,
      severity: report.severity,
      maxPsi: report.maxPsi,
      driftedFeatures: report.driftedFeatures,
      insufficientData: report.insufficientData,
      report: report as unknown as Record<string, unknown>,
    });
    return { ...report, id: stored.id, recordedAt: stored.createdAt };
  }

  /**
   * The scheduled check. Every gateway replica runs the timer; a replica skips when a scheduled report for
   * the active model is younger than half the interval (another replica just ran it). Null when skipped.
   */
  async function scheduledDriftCheck(intervalMs: number) {
    const latest = await driftReports.latest(models.activeModel().modelVersion, "schedule");
    if (latest && Date.now() - Date.parse(latest.createdAt) < intervalMs / 2) return null;
    return checkDrift({ trigger: "schedule", requestedBy: "scheduler" });
  }

  return {
    startTraining,
    getJob: (id: string): TrainingJob | undefined => {
      const job = jobs.get(id);
      return job ? { ...job } : undefined;
    },
    checkDrift,
    scheduledDriftCheck,
    driftHistory: (query: DriftReportQuery): Promise<StoredDriftReport[]> => driftReports.list(query),
    /** The latest drift check of the active model raised an alarm (moderate or worse). */
    async isDriftAlarm(): Promise<boolean> {
      const latest = await driftReports.latest(models.activeModel().modelVersion);
      return latest !== null && !["none", "low"].includes(latest.severity);
    },
    /** Cancels running training jobs and waits for them to settle (shutdown). */
    async stop(): Promise<void> {
      for (const cancel of cancels) cancel();
      await Promise.allSettled([...running]);
    },
  };
}

export type ModelOperations = ReturnType<typeof createModelOperations>;

/** At most `max` rows: the window starts at the newest maxRows, and rows sharing its first instant may add a few. */
async function* limited<T>(source: AsyncIterable<T>, max: number): AsyncGenerator<T> {
  let count = 0;
  for await (const row of source) {
    if (count++ >= max) return;
    yield row;
  }
}
