import { randomUUID } from "node:crypto";
import { type Reason, rescreenVerdict, type ScreeningSet } from "@chainwatch/context";
import type { Logger } from "@chainwatch/service-kit";
import type {
  RescreenCandidate,
  RescreenCursor,
  RescreenUpdate,
  ReviewRepository,
  StoredVerdict,
} from "@chainwatch/store";
import { stateConflict, tooManyJobs } from "../http/errors.ts";
import { MAX_RESCREEN_LISTED, type RescreenJob } from "../http/review-schemas.ts";

/** Jobs kept for status queries; older finished ones are forgotten first. */
const MAX_REMEMBERED_JOBS = 100;
/** Transactions read per query; the changed verdicts of a page are written in one statement. */
const PAGE_SIZE = 500;
const DAY_MS = 86_400_000;

type ListedTransaction = RescreenJob["transactions"][number];

export interface RescreenJobsOptions {
  review: Pick<ReviewRepository, "rescreenCandidates" | "countRescreenCandidates" | "applyRescreen">;
  /** The replica's screening set: what "the current labels" are. Absent (SCREENING_ENABLED=false): refused. */
  screening: Pick<ScreeningSet, "screen" | "suppressions" | "refresh"> | undefined;
  riskThreshold: number;
  logger: Logger;
  /** Jobs running at once on this replica; one more is refused (429) rather than queued. */
  maxConcurrentJobs: number;
  /** Called once per job when it ends (the audit trail). */
  onFinished?: (job: RescreenJob, actor: string) => void;
}

/**
 * What screening contributed to a verdict: its label reasons, the suppressions named, and which codes were
 * muted. Two verdicts with the same key were screened alike; the rest of a stored verdict is left as it was
 * (re-deriving it from the at most six stored reasons could only lose precision).
 */
function screeningKey(reasons: readonly unknown[]): string {
  const parts: string[] = [];
  for (const value of reasons) {
    const reason = value as Partial<Reason> | null;
    if (!reason || typeof reason.code !== "string") continue;
    const data = (reason.data ?? {}) as Record<string, unknown>;
    if (reason.kind === "label") parts.push(`label:${reason.code}:${data.listId}:${data.role}`);
    else if (reason.code === "review_suppressed") parts.push(`suppression:${data.suppressionId}`);
    else if (reason.suppressed) parts.push(`muted:${reason.code}`);
  }
  return parts.sort().join(",");
}

/** Codes that counted in a verdict (not muted). */
function countedCodes(reasons: readonly unknown[]): Set<string> {
  const codes = new Set<string>();
  for (const value of reasons) {
    const reason = value as Partial<Reason> | null;
    if (reason && typeof reason.code === "string" && !reason.suppressed) codes.add(reason.code);
  }
  return codes;
}

const summary = (verdict: StoredVerdict) => ({
  riskScore: verdict.riskScore,
  riskLevel: verdict.riskLevel,
  isAnomaly: verdict.isAnomaly,
});

/**
 * Re-screening jobs: the stored results touching one address are re-evaluated with the labels and
 * suppressions this replica holds now, and those whose screening changed are written back with a record
 * of the change. Jobs live in this process, as cache warm jobs do: the status query must reach the
 * replica that accepted the job.
 */
export function createRescreenJobs(options: RescreenJobsOptions) {
  const jobs = new Map<string, RescreenJob>();
  const running = new Set<Promise<void>>();

  const forgetOldJobs = () => {
    for (const [id, job] of jobs) {
      if (jobs.size <= MAX_REMEMBERED_JOBS) break;
      if (job.status !== "running") jobs.delete(id);
    }
  };

  /** One page: each candidate re-evaluated; the changed ones returned for writing. */
  function evaluate(job: RescreenJob, page: readonly RescreenCandidate[]): RescreenUpdate[] {
    const screening = options.screening;
    const updates: RescreenUpdate[] = [];
    for (const candidate of page) {
      const hits = screening ? screening.screen(candidate.from, candidate.to) : [];
      const suppressions = screening?.suppressions(candidate.from, candidate.to) ?? [];
      const verdict = rescreenVerdict(candidate.reasons, hits, suppressions, options.riskThreshold);
      const after: StoredVerdict = {
        riskScore: verdict.riskScore,
        riskLevel: verdict.riskLevel,
        isAnomaly: verdict.isAnomaly,
        reasons: verdict.reasons,
      };
      const isChanged = screeningKey(candidate.reasons) !== screeningKey(after.reasons);
      if (isChanged)
        updates.push({
          predictionId: candidate.predictionId,
          txHash: candidate.txHash,
          before: candidate,
          after,
        });
      if (job.transactions.length < MAX_RESCREEN_LISTED) {
        const before = countedCodes(candidate.reasons);
        const now = isChanged ? countedCodes(after.reasons) : before;
        const listed: ListedTransaction = {
          hash: candidate.txHash,
          role:
            candidate.from === job.address && candidate.to === job.address
              ? "self"
              : candidate.from === job.address
                ? "from"
                : "to",
          modelVersion: candidate.modelVersion,
          firstSeenAt: candidate.firstSeenAt,
          before: summary(candidate),
          after: summary(isChanged ? after : candidate),
          isChanged,
          addedCodes: [...now].filter((code) => !before.has(code)).sort(),
          removedCodes: [...before].filter((code) => !now.has(code)).sort(),
        };
        job.transactions.push(listed);
      }
    }
    return updates;
  }

  async function run(job: RescreenJob, actor: string): Promise<void> {
    // The labels as stored now, not as of this replica's last poll.
    await options.screening?.refresh();
    const since = new Date(job.since);
    job.total = await options.review.countRescreenCandidates(job.address, since);
    let after: RescreenCursor | undefined;
    for (;;) {
      const page = await options.review.rescreenCandidates(job.address, {
        since,
        limit: PAGE_SIZE,
        ...(after === undefined ? {} : { after }),
      });
      const updates = evaluate(job, page.candidates);
      if (updates.length > 0) {
        const written = await options.review.applyRescreen({
          jobId: job.id,
          address: job.address,
          actor,
          updates,
        });
        job.changed += written.updated;
        job.anomaliesInserted += written.anomaliesInserted;
      }
      job.processed += page.candidates.length;
      if (page.next === null) break;
      after = page.next;
    }
  }

  return {
    start(input: { address: string; days: number; actor: string }): RescreenJob {
      if (!options.screening)
        throw stateConflict(
          "SCREENING_DISABLED",
          "screening is off on this instance (SCREENING_ENABLED=false)",
        );
      if (running.size >= options.maxConcurrentJobs) throw tooManyJobs("rescreen", options.maxConcurrentJobs);
      const job: RescreenJob = {
        id: randomUUID(),
        status: "running",
        address: input.address,
        days: input.days,
        since: new Date(Date.now() - input.days * DAY_MS).toISOString(),
        total: 0,
        processed: 0,
        changed: 0,
        anomaliesInserted: 0,
        startedAt: new Date().toISOString(),
        finishedAt: null,
        error: null,
        transactions: [],
      };
      jobs.set(job.id, job);
      forgetOldJobs();
      const work = run(job, input.actor).then(
        () => {
          job.status = "succeeded";
          job.finishedAt = new Date().toISOString();
          options.logger.info(
            { jobId: job.id, processed: job.processed, changed: job.changed },
            "rescreen job finished",
          );
          options.onFinished?.(structuredClone(job), input.actor);
        },
        (error: unknown) => {
          job.status = "failed";
          job.error = "the database could not be read or written";
          job.finishedAt = new Date().toISOString();
          options.logger.warn({ jobId: job.id, err: error }, "rescreen job failed");
          options.onFinished?.(structuredClone(job), input.actor);
        },
      );
      running.add(work);
      void work.finally(() => running.delete(work));
      return structuredClone(job);
    },
    get(id: string): RescreenJob | undefined {
      const job = jobs.get(id);
      return job ? structuredClone(job) : undefined;
    },
    /** Waits for running jobs (shutdown). */
    async drain(): Promise<void> {
      await Promise.all(running);
    },
  };
}

export type RescreenJobs = ReturnType<typeof createRescreenJobs>;
