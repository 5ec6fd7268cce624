import type { Repositories } from "@chainwatch/store";
import { Router } from "express";
import { actorOf } from "../auth/principal.ts";
import { notFound } from "../http/errors.ts";
import { AnomalyQuerySchema, ReviewRequestSchema } from "../http/schemas.ts";
import { parseOrThrow, requireJsonBody } from "../http/validate.ts";
import type { AnomalyQueryCache } from "../persistence/anomaly-query-cache.ts";
import { fromDatabase } from "../persistence/from-database.ts";
import { methodNotAllowed } from "./method-not-allowed.ts";

export interface AnomalyRoutesOptions {
  repositories: Repositories;
  queryCache: AnomalyQueryCache;
}

export function anomalyRoutes(options: AnomalyRoutesOptions): Router {
  const router = Router();
  const { repositories, queryCache } = options;

  /** Newest first, keyset-paginated; pages are cached under the `query` type until new anomalies land. */
  const listRecent = async (query: unknown) => {
    const params = parseOrThrow(AnomalyQuerySchema, query, "query parameters");
    const { value, isCached } = await queryCache.getOrLoad(params, () =>
      fromDatabase(
        repositories.listAnomalies({
          limit: params.limit,
          ...(params.severity ? { severity: params.severity } : {}),
          ...(params.since ? { since: new Date(params.since) } : {}),
          ...(params.cursor ? { cursor: params.cursor } : {}),
        }),
      ),
    );
    return { ...value, count: value.items.length, cached: isCached };
  };

  for (const path of ["/api/v1/anomalies", "/api/v1/batch/anomalies/recent"]) {
    router
      .route(path)
      .get(async (req, res) => {
        res.json(await listRecent(req.query));
      })
      .all(methodNotAllowed(["GET"]));
  }

  router
    .route("/api/v1/anomalies/stats")
    .get(async (_req, res) => {
      res.json(await fromDatabase(repositories.anomalyStats()));
    })
    .all(methodNotAllowed(["GET"]));

  router
    .route("/api/v1/anomalies/:id/review")
    .post(async (req, res) => {
      const review = parseOrThrow(ReviewRequestSchema, requireJsonBody(req.body), "review");
      const id = req.params.id ?? "";
      const reviewed = /^\d{1,18}$/.test(id)
        ? await fromDatabase(repositories.reviewAnomaly(id, { ...review, reviewedBy: actorOf(res) }))
        : null;
      if (!reviewed) throw notFound(`anomaly ${id.slice(0, 40)} not found`);
      await queryCache.invalidate();
      res.json(reviewed);
    })
    .all(methodNotAllowed(["POST"]));

  return router;
}
