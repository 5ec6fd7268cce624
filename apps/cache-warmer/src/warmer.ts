import type { Cache } from "@chainwatch/cache";
import type { WarmerMetrics } from "@chainwatch/metrics";
import { type NormalizedTransaction, safeNormalizeTransaction } from "@chainwatch/model";
import { type ScoringService, warmRecentPredictions } from "@chainwatch/scoring";
import type { Logger } from "@chainwatch/service-kit";
import type { Repositories } from "@chainwatch/store";
import pLimit from "p-limit";
import type { SourceLine } from "./jsonl-batches.ts";

export interface WarmerOptions {
  scoring: ScoringService;
  cache: Cache;
  metrics: WarmerMetrics;
  logger: Logger;
  concurrency: number;
  /**
   * The active model file, stored under the `model` cache type so services can load it from Redis; read at
   * each run (the registry's active version can change between runs).
   */
  activeModel: () => { version: string; fileJson: string };
  /** Source of the "recent N" mode: the N most recently scored transactions in the database. */
  recent?: { repositories: Pick<Repositories, "recentPredictions">; count: number };
  /** How often to log progress. */
  progressIntervalMs?: number;
}

export interface WarmReport {
  modelWarmed: boolean;
  /** Predictions loaded from the database in "recent N" mode. */
  recentLoaded: number;
  warmed: number;
  alreadyCached: number;
  invalid: number;
  failed: number;
  durationMs: number;
}

/** Preloads the active model and the predictions of a transaction source into the shared cache. */
export function createWarmer(options: WarmerOptions) {
  const { scoring, cache, metrics, logger } = options;
  const progressIntervalMs = options.progressIntervalMs ?? 5_000;

  async function warmModel(): Promise<boolean> {
    const { version, fileJson } = options.activeModel();
    const isStored = await cache.batchSet("model", [
      { id: version, value: fileJson },
      { id: "active", value: version },
    ]);
    logger.info({ modelVersion: version, stored: isStored, bytes: fileJson.length }, "model cache warmed");
    return isStored;
  }

  async function warmPredictions(batches: AsyncIterable<SourceLine[]>, report: WarmReport): Promise<void> {
    const limit = pLimit(options.concurrency);
    const startedAt = performance.now();
    let lastProgressAt = startedAt;
    const inFlight = new Set<Promise<void>>();

    const warmBatch = async (lines: SourceLine[]) => {
      const valid: NormalizedTransaction[] = [];
      for (const line of lines) {
        const parsed = line.parseError ? undefined : safeNormalizeTransaction(line.value);
        if (parsed?.ok) valid.push(parsed.value);
        else {
          report.invalid += 1;
          if (report.invalid <= 10) {
            logger.warn(
              {
                line: line.lineNumber,
                reason: line.parseError ?? (parsed && !parsed.ok ? parsed.error.message : ""),
              },
              "skipping invalid transaction",
            );
          }
        }
      }
      metrics.transactionsTotal.inc({ outcome: "invalid" }, lines.length - valid.length);
      if (valid.length === 0) return;
      const outcome = await scoring.scoreBatch(valid);
      const isWritten = await outcome.cacheWrite;
      if (isWritten) {
        report.warmed += outcome.computed;
        report.alreadyCached += outcome.fromCache;
        metrics.transactionsTotal.inc({ outcome: "warmed" }, outcome.computed + outcome.fromCache);
      } else {
        report.failed += outcome.computed;
        metrics.transactionsTotal.inc({ outcome: "failed" }, outcome.computed);
      }
      const now = performance.now();
      if (now - lastProgressAt >= progressIntervalMs) {
        lastProgressAt = now;
        const done = report.warmed + report.alreadyCached + report.invalid + report.failed;
        logger.info(
          { ...report, perSecond: Math.round(done / ((now - startedAt) / 1000)) },
          "cache warming progress",
        );
      }
    };

    for await (const lines of batches) {
      // Back-pressure: read the next batch only when a slot is free, so memory stays bounded.
      while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
      const task = limit(() => warmBatch(lines)).finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
    await Promise.all(inFlight);
  }

  return {
    async run(batches?: AsyncIterable<SourceLine[]>): Promise<WarmReport> {
      const startedAt = performance.now();
      const report: WarmReport = {
        modelWarmed: false,
        recentLoaded: 0,
        warmed: 0,
        alreadyCached: 0,
        invalid: 0,
        failed: 0,
        durationMs: 0,
      };
      try {
        report.modelWarmed = await warmModel();
        if (options.recent) {
          const recent = await warmRecentPredictions({
            repositories: options.recent.repositories,
            cache,
            count: options.recent.count,
            onProgress: (progress) => logger.info(progress, "recent predictions progress"),
          });
          report.recentLoaded = recent.loaded;
          report.failed += recent.failed;
          metrics.transactionsTotal.inc({ outcome: "warmed" }, recent.loaded);
          metrics.transactionsTotal.inc({ outcome: "failed" }, recent.failed);
        }
        if (batches) await warmPredictions(batches, report);
        report.durationMs = Math.round(performance.now() - startedAt);
        const isSuccess = report.modelWarmed && report.failed === 0;
        metrics.runsTotal.inc({ status: isSuccess ? "succeeded" : "failed" });
        metrics.lastRunDurationSeconds.set(report.durationMs / 1000);
        if (isSuccess) metrics.lastSuccessTimestampSeconds.set(Date.now() / 1000);
        logger.info({ ...report, cacheBackend: cache.stats().backend }, "cache warming finished");
        return report;
      } catch (error) {
        metrics.runsTotal.inc({ status: "failed" });
        throw error;
      }
    },
  };
}

export type Warmer = ReturnType<typeof createWarmer>;
