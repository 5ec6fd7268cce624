import type { Repositories, ReviewRepository, ReviewResult } from "@chainwatch/store";
import type { AuditLog } from "../auth/audit-log.ts";
import { actorOf } from "../auth/principal.ts";
import type { Endpoint } from "../http/endpoint.ts";
import { notFound } from "../http/errors.ts";
import {
  ReviewedAnomalySchema,
  ReviewRequestSchema,
  ReviewStatsQuerySchema,
  ReviewStatsSchema,
  reviewStatsWindow,
} from "../http/review-schemas.ts";
import { AnomalyPageSchema, AnomalyQuerySchema, AnomalyStatsSchema } from "../http/schemas.ts";
import { parseOrThrow, requireJsonBody } from "../http/validate.ts";
import type { AnomalyQueryCache } from "../persistence/anomaly-query-cache.ts";
import { fromDatabase } from "../persistence/from-database.ts";

export interface AnomalyRoutesOptions {
  repositories: Repositories;
  /** Reviews with their effects, and precision by reason code (the review loop). */
  review: Pick<ReviewRepository, "review" | "reviewStats">;
  queryCache: AnomalyQueryCache;
  audit: AuditLog;
}

export function anomalyEndpoints(options: AnomalyRoutesOptions): Endpoint[] {
  const { repositories, review: reviews, queryCache, audit } = options;

  /**
   * Newest first, keyset-paginated, filtered by the store (level, review state, address, reason, list);
   * pages are cached under the `query` type until new anomalies land.
   */
  const listRecent: Endpoint["handler"] = async (req, res) => {
    const params = parseOrThrow(AnomalyQuerySchema, req.query, "query parameters");
    const load = () =>
      fromDatabase(
        repositories.listAnomalies({
          limit: params.limit,
          ...(params.severity ? { severity: params.severity } : {}),
          ...(params.level ? { level: params.level } : {}),
          ...(params.since ? { since: new Date(params.since) } : {}),
          ...(params.reviewed === undefined ? {} : { reviewed: params.reviewed }),
          ...(params.address ? { address: params.address } : {}),
          ...(params.reasonCode ? { reasonCode: params.reasonCode } : {}),
          ...(params.reasonKind ? { reasonKind: params.reasonKind } : {}),
          ...(params.listId ? { listId: params.listId } : {}),
          ...(params.cursor ? { cursor: params.cursor } : {}),
        }),
      );
    // The cache's generation changes with new anomalies and reviews, not with label writes: a page by
    // screening list is read fresh, or a label added now would not show for CACHE_TTL_QUERY_SECONDS.
    const { value, isCached } = params.listId
      ? { value: await load(), isCached: false }
      : await queryCache.getOrLoad(params, load);
    res.json({ ...value, count: value.items.length, cached: isCached });
  };
  const list = {
    method: "get",
    access: "anomalies:read",
    tag: "anomalies",
    query: AnomalyQuerySchema,
    response: AnomalyPageSchema,
    errors: [400, 503],
    handler: listRecent,
  } as const;

  return [
    {
      ...list,
      operationId: "listAnomalies",
      path: "/api/v1/anomalies",
      summary: "Anomalies, newest first, keyset-paginated with an opaque cursor",
    },
    {
      ...list,
      operationId: "listRecentAnomalies",
      path: "/api/v1/batch/anomalies/recent",
      rateTier: "batch",
      summary: "Same as /api/v1/anomalies",
    },
    {
      operationId: "getAnomalyStats",
      method: "get",
      path: "/api/v1/anomalies/stats",
      access: "anomalies:read",
      summary: "Counts and false-positive rate",
      tag: "anomalies",
      response: AnomalyStatsSchema,
      errors: [503],
      handler: async (_req, res) => {
        res.json(await fromDatabase(repositories.anomalyStats()));
      },
    },
    {
      operationId: "getReviewStats",
      method: "get",
      path: "/api/v1/anomalies/review-stats",
      access: "anomalies:read",
      summary: "Precision of reviewed anomalies by reason code (confirmed vs false positive) over a window",
      tag: "anomalies",
      query: ReviewStatsQuerySchema,
      response: ReviewStatsSchema,
      errors: [400, 503],
      handler: async (req, res) => {
        const query = parseOrThrow(ReviewStatsQuerySchema, req.query, "query parameters");
        res.json(await fromDatabase(reviews.reviewStats(reviewStatsWindow(query))));
      },
    },
    {
      operationId: "reviewAnomaly",
      auditAction: "anomaly.review",
      method: "post",
      path: "/api/v1/anomalies/{id}/review",
      access: "anomalies:review",
      summary:
        "Record an analyst's verdict on an anomaly; a false positive may also allowlist a party or suppress one reason code for it, for a period",
      tag: "anomalies",
      request: ReviewRequestSchema,
      response: ReviewedAnomalySchema,
      errors: [400, 404, 503],
      handler: async (req, res) => {
        const review = parseOrThrow(ReviewRequestSchema, requireJsonBody(req.body), "review");
        const id = String(req.params.id ?? "");
        const reviewed = /^\d{1,18}$/.test(id)
          ? await fromDatabase(reviews.review(id, { ...review, reviewedBy: actorOf(res) }))
          : null;
        if (!reviewed) throw notFound(`anomaly ${id.slice(0, 40)} not found`);
        audit.record(req, res, {
          action: "anomaly.review",
          outcome: "success",
          details: { anomalyId: id, falsePositive: review.falsePositive, ...effectDetails(reviewed) },
        });
        await queryCache.invalidate();
        res.json({ ...reviewed.anomaly, effect: reviewed.effect });
      },
    },
  ];
}

/** What the audit entry says about a review's effect: enough to find and undo it. */
function effectDetails(reviewed: ReviewResult): Record<string, unknown> {
  const { effect } = reviewed;
  if (!effect) return {};
  if (effect.type === "suppress")
    return {
      effect: "suppress",
      suppressionId: effect.suppression.id,
      address: effect.suppression.address,
      reasonCode: effect.suppression.reasonCode,
      expiresAt: effect.suppression.expiresAt,
    };
  return {
    effect: "allowlist",
    listId: effect.listId,
    listCreated: effect.listCreated,
    labelId: effect.label.id,
    address: effect.label.address,
    expiresAt: effect.label.expiresAt,
  };
}
