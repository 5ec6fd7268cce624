import type { Database } from "../database.ts";
import { StoreValidationError } from "../store-errors.ts";

export const MAX_SERVED_FEATURE_ROWS = 500_000;

/** A feature key every vector scored with address context has (spec 2's first context feature). */
const CONTEXT_KEY = "ctx_sender_known";

/**
 * The feature vectors served predictions were scored with, newest first, only those that carry the context
 * features (scored with address context): what a spec-2 model trained "on this chain" learns from, exactly
 * as served. One served prediction per content; shadow rows are left out (the same transaction again).
 */
export async function servedFeatureVectors(db: Database, limit: number): Promise<Record<string, number>[]> {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SERVED_FEATURE_ROWS) {
    throw new StoreValidationError(`limit must be an integer in 1..${MAX_SERVED_FEATURE_ROWS}`, {
      field: "limit",
    });
  }
  const { rows } = await db.query<{ features: Record<string, number> }>(
    `SELECT features FROM predictions
     WHERE served AND features ? $2
     ORDER BY created_at DESC, id DESC
     LIMIT $1`,
    [limit, CONTEXT_KEY],
  );
  return rows.map((row) => row.features);
}

/** How many served predictions carry context features, optionally since an instant. */
export async function countServedFeatureVectors(db: Database, since?: Date): Promise<number> {
  const { rows } = await db.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM predictions
     WHERE served AND features ? $1 ${since ? "AND created_at >= $2" : ""}`,
    since ? [CONTEXT_KEY, since] : [CONTEXT_KEY],
  );
  return rows[0]?.count ?? 0;
}
