import { createLogger } from "@chainwatch/service-kit";
import { describe, expect, it } from "vitest";
import { createRescreenJobs, type RescreenJobsOptions } from "./rescreen-jobs.ts";

const SHOP = `0x${"5b".repeat(20)}`;
const logger = createLogger({ name: "t", level: "silent" });
const screening = { screen: () => [], suppressions: () => [], refresh: async () => false };

describe("rescreen jobs", () => {
  it("refuses a job beyond the per-replica cap with 429 TOO_MANY_JOBS, and accepts again once one finishes", async () => {
    const counts: ((total: number) => void)[] = [];
    const review: RescreenJobsOptions["review"] = {
      // Each count waits until the test releases it, so "running" is a state the test controls.
      countRescreenCandidates: () => new Promise((resolve) => counts.push(resolve)),
      rescreenCandidates: async () => ({ candidates: [], next: null }),
      applyRescreen: async () => ({ updated: 0, anomaliesInserted: 0 }),
    };
    const jobs = createRescreenJobs({ review, screening, riskThreshold: 0.5, logger, maxConcurrentJobs: 1 });
    const first = jobs.start({ address: SHOP, days: 7, actor: "api_key:a" });
    await expect.poll(() => counts.length).toBe(1);
    expect(() => jobs.start({ address: SHOP, days: 7, actor: "api_key:a" })).toThrow(
      expect.objectContaining({
        status: 429,
        code: "TOO_MANY_JOBS",
        details: { kind: "rescreen", limit: 1 },
      }),
    );
    counts[0]?.(0);
    await expect.poll(() => jobs.get(first.id)?.status).toBe("succeeded");
    expect(jobs.get(first.id)).toMatchObject({ total: 0, processed: 0, changed: 0, transactions: [] });
    const second = jobs.start({ address: SHOP, days: 7, actor: "api_key:a" });
    expect(second.status).toBe("running");
    await expect.poll(() => counts.length).toBe(2);
    counts[1]?.(0);
    await jobs.drain();
  });

  it("refuses with 409 SCREENING_DISABLED when the replica holds no screening set", () => {
    const review: RescreenJobsOptions["review"] = {
      countRescreenCandidates: async () => 0,
      rescreenCandidates: async () => ({ candidates: [], next: null }),
      applyRescreen: async () => ({ updated: 0, anomaliesInserted: 0 }),
    };
    const jobs = createRescreenJobs({
      review,
      screening: undefined,
      riskThreshold: 0.5,
      logger,
      maxConcurrentJobs: 1,
    });
    expect(() => jobs.start({ address: SHOP, days: 7, actor: "a" })).toThrow(
      expect.objectContaining({ status: 409, code: "SCREENING_DISABLED" }),
    );
  });

  it("fails the job, not the process, when the store cannot be read", async () => {
    const review: RescreenJobsOptions["review"] = {
      countRescreenCandidates: async () => {
        throw new Error("connection refused");
      },
      rescreenCandidates: async () => ({ candidates: [], next: null }),
      applyRescreen: async () => ({ updated: 0, anomaliesInserted: 0 }),
    };
    const jobs = createRescreenJobs({ review, screening, riskThreshold: 0.5, logger, maxConcurrentJobs: 1 });
    const job = jobs.start({ address: SHOP, days: 7, actor: "a" });
    await expect.poll(() => jobs.get(job.id)?.status).toBe("failed");
    expect(jobs.get(job.id)?.error).toBe("the database could not be read or written");
  });
});
