import { Router } from "express";
import type { AuditLog } from "../auth/audit-log.ts";
import { notFound } from "../http/errors.ts";
import { CacheWarmRequestSchema } from "../http/schemas.ts";
import { parseOrThrow, requireJsonBody } from "../http/validate.ts";
import type { CacheWarmJobs } from "../persistence/cache-warm-jobs.ts";
import { methodNotAllowed } from "./method-not-allowed.ts";

export function cacheWarmRoutes(options: { jobs: CacheWarmJobs; audit: AuditLog }): Router {
  const router = Router();

  router
    .route("/api/v1/batch/cache/warm")
    .post((req, res) => {
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
    })
    .all(methodNotAllowed(["POST"]));

  router
    .route("/api/v1/batch/cache/warm/:id")
    .get((req, res) => {
      const job = options.jobs.get(req.params.id ?? "");
      if (!job) throw notFound("no such cache warm job on this instance");
      res.json(job);
    })
    .all(methodNotAllowed(["GET"]));

  return router;
}
