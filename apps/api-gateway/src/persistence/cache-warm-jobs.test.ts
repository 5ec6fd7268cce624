import { createCache, createMemoryStore } from "@chainwatch/cache";
import { createLogger } from "@chainwatch/service-kit";
import { describe, expect, it } from "vitest";
import { createCacheWarmJobs } from "./cache-warm-jobs.ts";

describe("cache warm jobs", () => {
  it("refuses a job beyond the concurrency cap with 429, and accepts again once one finishes", async () => {
    const logger = createLogger({ name: "t", level: "silent" });
    const reads: ((rows: []) => void)[] = [];
    const jobs = createCacheWarmJobs({
      // Each read waits until the test releases it, so "running" is a state the test controls.
      repositories: { recentPredictions: () => new Promise((resolve) => reads.push(resolve)) },
      cache: createCache({ store: createMemoryStore(), logger }),
      logger,
      maxConcurrentJobs: 2,
    });
    const first = jobs.start(10);
    jobs.start(10);
    expect(() => jobs.start(10)).toThrow(expect.objectContaining({ status: 429, code: "TOO_MANY_JOBS" }));
    reads[0]?.([]);
    await expect.poll(() => jobs.get(first.id)?.status).toBe("succeeded");
    expect(jobs.start(10).status).toBe("running");
    expect(() => jobs.start(10)).toThrow(expect.objectContaining({ status: 429 }));
    for (const release of reads) release([]);
    await jobs.drain();
  });
});
