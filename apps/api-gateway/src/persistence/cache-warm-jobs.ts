import { randomUUID } from "node:crypto";
import type { Cache } from "@chainwatch/cache";
import { type WarmRecentProgress, warmRecentPredictions } from "@chainwatch/scoring";
import type { Logger } from "@chainwatch/service-kit";
import type { Repositories } from "@chainwatch/store";
import { tooManyJobs } from "../http/errors.ts";

export interface CacheWarmJob extends WarmRecentProgress {
  id: string;
  status: "running" | "succeeded" | "failed";
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
}

/** Jobs kept for status queries; older finished ones are forgotten first. */
const MAX_REMEMBERED_JOBS = 100;

/**
 * Background jobs that load recent predictions into the cache. Jobs live in this process: a status query
 * must reach the replica that accepted the job (the job id says nothing else), which is fine for an
 * operator action and avoids a jobs table for something that takes seconds.
 */
export function createCacheWarmJobs(options: {
  repositories: Pick<Repositories, "recentPredictions">;
  cache: Cache;
  logger: Logger;
  /** Jobs running at once; one more is refused (429) rather than queued. */
  maxConcurrentJobs: number;
}) {
  const jobs = new Map<string, CacheWarmJob>();
  const running = new Set<Promise<void>>();

  const forgetOldJobs = () => {
    for (const [id, job] of jobs) {
      if (jobs.size <= MAX_REMEMBERED_JOBS) break;
      if (job.status !== "running") jobs.delete(id);
    }
  };

  return {
    start(count: number): CacheWarmJob {
      if (running.size >= options.maxConcurrentJobs)
        throw tooManyJobs("cache warm", options.maxConcurrentJobs);
      const job: CacheWarmJob = {
        id: randomUUID(),
        status: "running",
        requested: count,
        found: 0,
        loaded: 0,
        failed: 0,
        startedAt: new Date().toISOString(),
        finishedAt: null,
        error: null,
      };
      jobs.set(job.id, job);
      forgetOldJobs();
      const work = warmRecentPredictions({
        repositories: options.repositories,
        cache: options.cache,
        count,
        onProgress: (progress) => Object.assign(job, progress),
      }).then(
        () => {
          job.status = job.failed === 0 ? "succeeded" : "failed";
          if (job.failed > 0) job.error = `${job.failed} predictions could not be written to the cache`;
          job.finishedAt = new Date().toISOString();
          options.logger.info(
            { jobId: job.id, loaded: job.loaded, found: job.found },
            "cache warm job finished",
          );
        },
        (error: unknown) => {
          job.status = "failed";
          job.error = "the database could not be read";
          job.finishedAt = new Date().toISOString();
          options.logger.warn({ jobId: job.id, err: error }, "cache warm job failed");
        },
      );
      running.add(work);
      void work.finally(() => running.delete(work));
      return { ...job };
    },
    get(id: string): CacheWarmJob | undefined {
      const job = jobs.get(id);
      return job ? { ...job } : undefined;
    },
    /** Waits for running jobs (shutdown). */
    async drain(): Promise<void> {
      await Promise.all(running);
    },
  };
}

export type CacheWarmJobs = ReturnType<typeof createCacheWarmJobs>;
