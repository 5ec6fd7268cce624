import type { Database, Queryable } from "../database.ts";
import { LabelStoreError, StoreValidationError } from "../store-errors.ts";
import { reviewAnomaly } from "./anomalies.ts";
import { labelOf, upsertBatch } from "./labels.ts";
import { decodeLabelCursor, encodeLabelCursor, isLabelId } from "./labels-rows.ts";
import { ActorSchema, ADDRESS_PATTERN, LabelInputSchema } from "./labels-types.ts";
import {
  applyRescreen,
  countRescreenCandidates,
  type RescreenCursor,
  type RescreenPage,
  rescreenCandidates,
} from "./rescreen.ts";
import {
  MAX_SUPPRESSION_PAGE,
  REVIEWED_ALLOW_LIST_ID,
  type RescreenUpdate,
  type ReviewEffect,
  type ReviewEffectResult,
  ReviewEffectSchema,
  type ReviewResult,
  type ReviewStats,
  type Suppression,
  type SuppressionPage,
  type SuppressionQuery,
  type ValidReviewEffect,
} from "./review-types.ts";
import { SUPPRESSION_COLUMNS, type SuppressionRow, toSuppression } from "./suppression-rows.ts";
import type { ReviewInput } from "./types.ts";

/*
 * The review loop (migration 0009): a false-positive review with an effect (allowlist the address, or mute
 * one reason code for it), the suppressions it leaves and their revocation, precision by reason code, and
 * the re-screening of stored verdicts. Writes name their actor (`chainwatch.actor`) like the label
 * repository's, so the screening revision they move says who moved it.
 */

export interface ReviewRepository {
  /**
   * Records the review and, for a false positive, its effect, in one transaction: either both are stored
   * or neither. null when no anomaly has that id.
   */
  review(
    id: string,
    input: ReviewInput & { effect?: ReviewEffect | undefined },
  ): Promise<ReviewResult | null>;
  /** Newest first; `status` filters (active: neither revoked nor expired). */
  listSuppressions(query: SuppressionQuery): Promise<SuppressionPage>;
  getSuppression(id: string): Promise<Suppression | null>;
  /**
   * Ends a suppression now (its effect leaves every replica within one refresh). `revoked` is false when it
   * was revoked already (nothing written); null when there is no such suppression.
   */
  revokeSuppression(
    id: string,
    actor: string,
    reason?: string | null,
  ): Promise<{ suppression: Suppression; revoked: boolean } | null>;
  /** Reviewed anomalies detected in [since, until): confirmed and false positives by reason code. */
  reviewStats(window: { since: Date; until: Date }): Promise<ReviewStats>;
  /**
   * The next `limit` transactions from or to `address` first seen since `since` (after the cursor, by first
   * sighting), with their served predictions of the stored content.
   */
  rescreenCandidates(
    address: string,
    options: { since: Date; after?: RescreenCursor; limit: number },
  ): Promise<RescreenPage>;
  countRescreenCandidates(address: string, since: Date): Promise<number>;
  /**
   * Stores re-screened verdicts in one transaction: the predictions, their anomalies (a newly flagged one is
   * inserted, so it reaches the review queue), and one rescreen_changes row each with before and after.
   */
  applyRescreen(input: {
    jobId: string;
    address: string;
    actor: string;
    updates: readonly RescreenUpdate[];
  }): Promise<{ updated: number; anomaliesInserted: number }>;
}

const DAY_MS = 86_400_000;

function addressOf(address: string): string {
  const lower = typeof address === "string" ? address.trim().toLowerCase() : "";
  if (!ADDRESS_PATTERN.test(lower))
    throw new StoreValidationError("invalid address: must be 0x and 40 hex digits", { field: "address" });
  return lower;
}

function parseEffect(effect: ReviewEffect): ValidReviewEffect {
  const result = ReviewEffectSchema.safeParse(effect);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  const field = `effect.${issue?.path.join(".") ?? ""}`.replace(/\.$/, "");
  throw new StoreValidationError(`invalid ${field}: ${issue?.message ?? "invalid"}`, { field });
}

/** The party the effect names; an effect on a missing recipient (a contract creation) is refused. */
async function partyAddress(tx: Queryable, txHash: string, party: "from" | "to"): Promise<string> {
  const { rows } = await tx.query<{ from_address: string | null; to_address: string | null }>(
    "SELECT from_address, to_address FROM transactions WHERE hash = $1",
    [txHash],
  );
  const address = party === "from" ? rows[0]?.from_address : rows[0]?.to_address;
  if (!address)
    throw new StoreValidationError(
      `the anomaly's transaction has no ${party === "from" ? "sender" : "recipient"}`,
      {
        field: "effect.party",
      },
    );
  return address;
}

async function allowlist(
  tx: Queryable,
  anomalyId: string,
  address: string,
  effect: Extract<ValidReviewEffect, { type: "allowlist" }>,
  actor: string,
): Promise<ReviewEffectResult> {
  let listCreated = false;
  const { rows } = await tx.query<{ kind: string }>(
    "SELECT kind FROM address_lists WHERE id = $1 FOR KEY SHARE",
    [effect.listId],
  );
  if (rows.length === 0) {
    // Only the default list is made on the fly: other lists are an admin's (lists:manage) to create.
    if (effect.listId !== REVIEWED_ALLOW_LIST_ID)
      throw new LabelStoreError("LABEL_LIST_NOT_FOUND", `no label list "${effect.listId}"`, {
        listId: effect.listId,
      });
    const created = await tx.query(
      `INSERT INTO address_lists (id, name, kind, description, source, created_by, updated_by)
       VALUES ($1, 'Reviewed false positives', 'allow',
         'Addresses allowlisted by analysts when reviewing an anomaly as a false positive', 'review', $2, $2)
       ON CONFLICT (id) DO NOTHING`,
      [REVIEWED_ALLOW_LIST_ID, actor],
    );
    listCreated = created.rowCount > 0;
  } else if (rows[0]?.kind !== "allow") {
    throw new StoreValidationError(`list ${effect.listId} is a ${rows[0]?.kind} list, not an allow list`, {
      field: "effect.listId",
    });
  }
  const label = LabelInputSchema.parse({
    address,
    category: effect.category,
    source: `review:anomaly/${anomalyId}`,
    note: effect.reason,
    expiresAt: new Date(Date.now() + effect.days * DAY_MS),
  });
  await upsertBatch(tx, effect.listId, [label], actor);
  return {
    type: "allowlist",
    listId: effect.listId,
    listCreated,
    label: await labelOf(tx, effect.listId, label),
  };
}

async function suppress(
  tx: Queryable,
  anomalyId: string,
  address: string,
  effect: Extract<ValidReviewEffect, { type: "suppress" }>,
  actor: string,
): Promise<ReviewEffectResult> {
  const { rows } = await tx.query<SuppressionRow>(
    `INSERT INTO reason_suppressions AS s (address, reason_code, reason, anomaly_id, created_by, expires_at)
     VALUES ($1, $2, $3, $4::bigint, $5, now() + make_interval(days => $6::int))
     RETURNING ${SUPPRESSION_COLUMNS}`,
    [address, effect.reasonCode, effect.reason, anomalyId, actor, effect.days],
  );
  const [row] = rows;
  if (!row) throw new Error("suppression insert returned no row");
  return { type: "suppress", suppression: toSuppression(row) };
}

export function createReviewRepository(db: Database): ReviewRepository {
  const write = <T>(actor: string, work: (tx: Queryable, actor: string) => Promise<T>): Promise<T> => {
    const parsed = ActorSchema.safeParse(actor);
    if (!parsed.success) throw new StoreValidationError("invalid actor", { field: "actor" });
    return db.transaction(async (tx) => {
      await tx.query("SELECT set_config('chainwatch.actor', $1, true)", [parsed.data]);
      return work(tx, parsed.data);
    });
  };

  const findSuppression = async (queryable: Queryable, id: string, lock = false) => {
    const { rows } = await queryable.query<SuppressionRow>(
      `SELECT ${SUPPRESSION_COLUMNS} FROM reason_suppressions s WHERE s.id = $1::bigint${lock ? " FOR UPDATE" : ""}`,
      [id],
    );
    return rows[0] ? toSuppression(rows[0]) : null;
  };

  return {
    async review(id, input) {
      const effect = input.effect === undefined ? undefined : parseEffect(input.effect);
      if (effect && !input.falsePositive)
        throw new StoreValidationError("an effect needs falsePositive: true", { field: "effect" });
      return write(input.reviewedBy, async (tx, actor) => {
        const anomaly = await reviewAnomaly(tx, id, {
          falsePositive: input.falsePositive,
          reviewedBy: actor,
          ...(input.note === undefined ? {} : { note: input.note }),
        });
        if (!anomaly) return null;
        if (!effect) return { anomaly, effect: null };
        const address = await partyAddress(tx, anomaly.txHash, effect.party);
        const result =
          effect.type === "allowlist"
            ? await allowlist(tx, anomaly.id, address, effect, actor)
            : await suppress(tx, anomaly.id, address, effect, actor);
        return { anomaly, effect: result };
      });
    },

    async listSuppressions(query) {
      if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_SUPPRESSION_PAGE)
        throw new StoreValidationError(`limit must be 1..${MAX_SUPPRESSION_PAGE}`, { field: "limit" });
      const address = query.address === undefined ? null : addressOf(query.address);
      const status = query.status ?? "all";
      const before = query.cursor === undefined ? null : decodeLabelCursor(query.cursor);
      const { rows } = await db.query<SuppressionRow>(
        `SELECT * FROM (
           SELECT ${SUPPRESSION_COLUMNS} FROM reason_suppressions s
           WHERE ($1::text IS NULL OR s.address = $1) AND ($2::bigint IS NULL OR s.id < $2::bigint)
         ) page
         WHERE $3 = 'all' OR status = $3
         ORDER BY id::bigint DESC
         LIMIT $4`,
        [address, before, status, query.limit + 1],
      );
      const page = rows.slice(0, query.limit).map(toSuppression);
      const last = page.at(-1);
      return {
        suppressions: page,
        nextCursor: rows.length > query.limit && last ? encodeLabelCursor(last.id) : null,
      };
    },

    async getSuppression(id) {
      if (!isLabelId(id)) return null;
      return findSuppression(db, id);
    },

    async revokeSuppression(id, actor, reason = null) {
      if (!isLabelId(id)) return null;
      return write(actor, async (tx, who) => {
        const found = await findSuppression(tx, id, true);
        if (!found) return null;
        if (found.revokedAt !== null) return { suppression: found, revoked: false };
        await tx.query(
          "UPDATE reason_suppressions SET revoked_at = now(), revoked_by = $2, revoke_reason = $3 WHERE id = $1::bigint",
          [id, who, reason || null],
        );
        const suppression = await findSuppression(tx, id);
        if (!suppression) throw new Error("revoked suppression vanished");
        return { suppression, revoked: true };
      });
    },

    async reviewStats({ since, until }) {
      if (Number.isNaN(since.getTime()) || Number.isNaN(until.getTime()) || since >= until)
        throw new StoreValidationError("the window must have since before until", { field: "since" });
      return reviewStats(db, since, until);
    },

    rescreenCandidates: (address, options) => rescreenCandidates(db, addressOf(address), options),
    countRescreenCandidates: (address, since) => countRescreenCandidates(db, addressOf(address), since),
    applyRescreen: (input) => write(input.actor, (tx, actor) => applyRescreen(tx, { ...input, actor })),
  };
}

/**
 * A reason "helped flag" an anomaly when it counted: not suppressed and with evidence (surprise > 0), so
 * informational reasons (first seen, allow or watch listed) and muted ones are left out. An anomaly counts
 * once per code.
 */
async function reviewStats(db: Database, since: Date, until: Date): Promise<ReviewStats> {
  const { rows } = await db.query<{
    code: string | null;
    reviewed: number | string;
    confirmed: number | string;
    false_positives: number | string;
  }>(
    `WITH reviewed AS (
       SELECT id, coalesce(false_positive, false) AS false_positive,
         CASE WHEN jsonb_typeof(reasons) = 'array' THEN reasons ELSE '[]'::jsonb END AS reasons
       FROM anomalies
       WHERE served AND reviewed AND detected_at >= $1 AND detected_at < $2
     ),
     codes AS (
       SELECT DISTINCT r.id, r.false_positive, e->>'code' AS code
       FROM reviewed r CROSS JOIN LATERAL jsonb_array_elements(r.reasons) e
       WHERE jsonb_typeof(e) = 'object' AND e->>'code' IS NOT NULL
         AND coalesce(e->>'suppressed', 'false') <> 'true'
         AND jsonb_typeof(e->'surprise') = 'number' AND (e->>'surprise')::float8 > 0
     )
     SELECT NULL AS code, count(*) AS reviewed, count(*) FILTER (WHERE NOT false_positive) AS confirmed,
       count(*) FILTER (WHERE false_positive) AS false_positives
     FROM reviewed
     UNION ALL
     SELECT code, count(*), count(*) FILTER (WHERE NOT false_positive), count(*) FILTER (WHERE false_positive)
     FROM codes GROUP BY code`,
    [since.toISOString(), until.toISOString()],
  );
  const counts = (row: (typeof rows)[number]) => {
    const reviewed = Number(row.reviewed);
    const confirmed = Number(row.confirmed);
    return {
      reviewed,
      confirmed,
      falsePositives: Number(row.false_positives),
      precision: reviewed === 0 ? null : confirmed / reviewed,
    };
  };
  const total = rows.find((row) => row.code === null);
  const byReason = rows
    .filter((row): row is typeof row & { code: string } => row.code !== null)
    .map((row) => ({ code: row.code, ...counts(row) }))
    .sort((a, b) => b.reviewed - a.reviewed || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  return {
    since: since.toISOString(),
    until: until.toISOString(),
    ...(total ? counts(total) : { reviewed: 0, confirmed: 0, falsePositives: 0, precision: null }),
    byReason,
  };
}
