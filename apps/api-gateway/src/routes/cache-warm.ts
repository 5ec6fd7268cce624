import type { AuditLog } from "../auth/audit-log.ts";
import type { Endpoint } from "../http/endpoint.ts";
import { notFound } from "../http/errors.ts";
import { CacheWarmJobSchema, CacheWarmRequestSchema, JobAcceptedSchema } from "../http/schemas.ts";
import { parseOrThrow, requireJsonBody } from "../http/validate.ts";
import type { CacheWarmJobs } from "../persistence/cache-warm-jobs.ts";

export function cacheWarmEndpoints(options: { jobs: CacheWarmJobs; audit: AuditLog }): Endpoint[] {
  return [
    {
      operationId: "startCacheWarm",
      auditAction: "cache.warm",
      method: "post",
      path: "/api/v1/batch/cache/warm",
      access: "cache:manage",
      rateTier: "batch",
      bodyLimit: "large",
      summary: "202: start loading the N most recent predictions into the cache",
      tag: "cache",
      request: CacheWarmRequestSchema,
      response: JobAcceptedSchema,
      status: 202,
      errors: [400, 429],
      handler: (req, res) => {
        const { numRecent } = parseOrThrow(
          CacheWarmRequestSchema,
          requireJsonBody(req.body),
          "cache warm request",
        );
        const job = options.jobs.start(numRecent);
        options.audit.record(req, res, {
          action: "cache.warm",
          outcome: "success",
          details: { jobId: job.id, numRecent },
        });
        res
          .status(202)
          .location(`/api/v1/batch/cache/warm/${job.id}`)
          .json({ jobId: job.id, status: job.status, statusUrl: `/api/v1/batch/cache/warm/${job.id}` });
      },
    },
    {
      operationId: "getCacheWarmJob",
      method: "get",
      path: "/api/v1/batch/cache/warm/{id}",
      access: "cache:manage",
      rateTier: "batch",
      summary: "Progress of a cache warm job",
      tag: "cache",
      response: CacheWarmJobSchema,
      errors: [404],
      handler: (req, res) => {
        const job = options.jobs.get(String(req.params.id ?? ""));
        if (!job) throw notFound("no such cache warm job on this instance");
        res.json(job);
      },
    },
  ];
}
