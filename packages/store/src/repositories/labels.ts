import type { z } from "zod";
import type { Database, Queryable } from "../database.ts";
import { LabelStoreError, StoreValidationError } from "../store-errors.ts";
import {
  decodeLabelCursor,
  type EntryRow,
  encodeLabelCursor,
  isLabelId,
  LABEL_COLUMNS,
  type LabelRow,
  type LabelWithListRow,
  LIST_COLUMNS,
  type ListRow,
  toEntry,
  toLabel,
  toLabelWithList,
  toList,
} from "./labels-rows.ts";
import {
  ActorSchema,
  ADDRESS_PATTERN,
  type ImportLabelsOptions,
  type ImportLabelsResult,
  LABEL_IMPORT_BATCH_ROWS,
  type LabelInput,
  LabelInputSchema,
  type LabelList,
  type LabelListInput,
  LabelListInputSchema,
  type LabelPage,
  type LabelQuery,
  type LabelWithList,
  LIST_ID_PATTERN,
  MAX_LABEL_PAGE,
  type ScreeningSnapshot,
  type StoredLabel,
  type UpsertListResult,
  type ValidLabel,
} from "./labels-types.ts";
import { activeSuppressionEntries } from "./suppression-rows.ts";

/*
 * Address lists and labels (migration 0008). Every write runs in a transaction that first names its actor
 * (`chainwatch.actor`, read by the revision trigger), and writes only what differs, so a repeated write
 * leaves updated_at and the screening revision as they were.
 */

export interface LabelRepository {
  /**
   * Creates the list or updates its name, kind, description and source. Omitted description/source keep
   * the stored value, null clears it. Nothing differs → nothing is written (updated: false).
   */
  upsertList(input: LabelListInput): Promise<UpsertListResult>;
  /** Every list, by id, with its label count. */
  listLists(): Promise<LabelList[]>;
  getList(id: string): Promise<LabelList | null>;
  /** Deletes the list and (cascade) its labels; false when there was no such list. */
  deleteList(id: string, actor: string): Promise<boolean>;
  /**
   * Writes many labels to an existing list (LABEL_LIST_NOT_FOUND otherwise), all or nothing, one statement
   * per `batchSize` rows. Idempotent: a label equal to the stored one (category, source, confidence, note,
   * expiry) is `unchanged` and not written. Any invalid row refuses the whole call (StoreValidationError
   * naming its index): parse files with @chainwatch/screening, which counts invalid rows instead.
   */
  importLabels(
    listId: string,
    rows: readonly LabelInput[],
    actor: string,
    options?: ImportLabelsOptions,
  ): Promise<ImportLabelsResult>;
  /** One label, inserted or updated (the API's create/update); `updated` false when it was already equal. */
  upsertLabel(
    listId: string,
    input: LabelInput,
    actor: string,
  ): Promise<{ label: StoredLabel; created: boolean; updated: boolean }>;
  getLabel(id: string): Promise<LabelWithList | null>;
  /** The labels of one address on one chain with their list, by list id; expired ones only when asked. */
  labelsFor(
    address: string,
    chainId?: number,
    options?: { includeExpired?: boolean },
  ): Promise<LabelWithList[]>;
  deleteLabel(id: string, actor: string): Promise<boolean>;
  /** Labels newest first, filtered by list and/or address, paged by cursor. */
  listLabels(query: LabelQuery): Promise<LabelPage>;
  /** The screening revision: poll it and reload the snapshot when it moves. A decimal string (int8). */
  screeningRevision(): Promise<string>;
  /** Every unexpired label with its list, and the revision they are consistent with. */
  screeningSnapshot(): Promise<ScreeningSnapshot>;
}

// One statement per batch: the rows travel as one JSON parameter. A row equal to the stored one is
// skipped by the DO UPDATE's WHERE, so it is neither written nor returned (and moves no revision);
// xmax = 0 tells an inserted row from an updated one. Rows arrive sorted by (chain, address), so two
// concurrent imports into one list lock rows in the same order.
const UPSERT_LABELS = `
WITH input AS (
  SELECT * FROM json_to_recordset($2::json) AS r(chain_id int, address text, category text, source text,
    confidence real, note text, expires_at timestamptz)
),
written AS (
  INSERT INTO address_labels AS l (list_id, chain_id, address, category, source, confidence, note, expires_at,
    created_by, updated_by)
  SELECT $1, chain_id, address, category, source, confidence, note, expires_at, $3, $3 FROM input
  ORDER BY chain_id, address
  ON CONFLICT (list_id, chain_id, address) DO UPDATE SET
    category = EXCLUDED.category, source = EXCLUDED.source, confidence = EXCLUDED.confidence,
    note = EXCLUDED.note, expires_at = EXCLUDED.expires_at, updated_by = EXCLUDED.updated_by, updated_at = now()
  WHERE (l.category, l.source, l.confidence, l.note, l.expires_at)
    IS DISTINCT FROM (EXCLUDED.category, EXCLUDED.source, EXCLUDED.confidence, EXCLUDED.note, EXCLUDED.expires_at)
  RETURNING (l.xmax = 0) AS is_insert
)
SELECT count(*) FILTER (WHERE is_insert)::int AS inserted, count(*) FILTER (WHERE NOT is_insert)::int AS updated
FROM written`;

const DELETE_ABSENT = `
DELETE FROM address_labels l
WHERE l.list_id = $1
  AND NOT EXISTS (
    SELECT 1 FROM json_to_recordset($2::json) AS k(chain_id int, address text)
    WHERE k.chain_id = l.chain_id AND k.address = l.address)`;

const UPSERT_LIST = `
INSERT INTO address_lists AS a (id, name, kind, description, source, created_by, updated_by)
VALUES ($1, $2, $3, $4, $5, $6, $6)
ON CONFLICT (id) DO UPDATE SET
  name = EXCLUDED.name, kind = EXCLUDED.kind,
  description = CASE WHEN $7::boolean THEN EXCLUDED.description ELSE a.description END,
  source = CASE WHEN $8::boolean THEN EXCLUDED.source ELSE a.source END,
  updated_by = EXCLUDED.updated_by, updated_at = now()
WHERE (a.name, a.kind, a.description, a.source) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.kind,
  CASE WHEN $7::boolean THEN EXCLUDED.description ELSE a.description END,
  CASE WHEN $8::boolean THEN EXCLUDED.source ELSE a.source END)
RETURNING a.id, (a.xmax = 0) AS is_insert`;

function parse<Schema extends z.ZodType>(schema: Schema, value: unknown, what: string): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  const field = issue?.path.join(".") || what;
  throw new StoreValidationError(`invalid ${field}: ${issue?.message ?? "invalid"}`, {
    field,
    issues: result.error.issues.map((item) => ({ path: item.path.join("."), message: item.message })),
  });
}

function assertListId(id: string): void {
  if (typeof id !== "string" || !LIST_ID_PATTERN.test(id))
    throw new StoreValidationError("invalid listId: must be a list slug", { field: "listId" });
}

function assertLabelId(id: string): void {
  if (typeof id !== "string" || !isLabelId(id))
    throw new StoreValidationError("invalid id: must be a label id", { field: "id" });
}

function addressOf(address: string): string {
  const lower = typeof address === "string" ? address.trim().toLowerCase() : "";
  if (!ADDRESS_PATTERN.test(lower))
    throw new StoreValidationError("invalid address: must be 0x and 40 hex digits", { field: "address" });
  return lower;
}

function chainIdOf(chainId: number): number {
  if (!Number.isInteger(chainId) || chainId < 1 || chainId > 2_147_483_647)
    throw new StoreValidationError("invalid chainId: must be a positive integer", { field: "chainId" });
  return chainId;
}

function jsonRow(label: ValidLabel) {
  return {
    chain_id: label.chainId,
    address: label.address,
    category: label.category,
    source: label.source,
    confidence: label.confidence,
    note: label.note,
    expires_at: label.expiresAt?.toISOString() ?? null,
  };
}

/** Validates every row (refusing the call on the first invalid one) and keeps the last of each address. */
function distinctLabels(rows: readonly LabelInput[]): { labels: ValidLabel[]; duplicates: number } {
  const byKey = new Map<string, ValidLabel>();
  rows.forEach((row, index) => {
    const result = LabelInputSchema.safeParse(row);
    if (!result.success) {
      const [issue] = result.error.issues;
      const field = issue?.path.join(".") || "label";
      throw new StoreValidationError(`invalid ${field} in label ${index}: ${issue?.message ?? "invalid"}`, {
        index,
        field,
      });
    }
    const key = `${result.data.chainId}:${result.data.address}`;
    byKey.delete(key);
    byKey.set(key, result.data);
  });
  const labels = [...byKey.values()].sort(
    (a, b) => a.chainId - b.chainId || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0),
  );
  return { labels, duplicates: rows.length - labels.length };
}

/** One statement for a batch of valid labels of one list, inside the caller's (actor-naming) transaction. */
export async function upsertBatch(tx: Queryable, listId: string, labels: ValidLabel[], actor: string) {
  const { rows } = await tx.query<{ inserted: number; updated: number }>(UPSERT_LABELS, [
    listId,
    JSON.stringify(labels.map(jsonRow)),
    actor,
  ]);
  const [counts] = rows;
  return {
    inserted: Number(counts?.inserted ?? 0),
    updated: Number(counts?.updated ?? 0),
  };
}

/** The stored label of one list, chain and address, read inside the writing transaction. */
export async function labelOf(tx: Queryable, listId: string, label: ValidLabel): Promise<StoredLabel> {
  const { rows } = await tx.query<LabelRow>(
    `SELECT ${LABEL_COLUMNS} FROM address_labels l WHERE l.list_id = $1 AND l.chain_id = $2 AND l.address = $3`,
    [listId, label.chainId, label.address],
  );
  const [row] = rows;
  if (!row) throw new Error("label upsert returned no row");
  return toLabel(row);
}

export function createLabelRepository(db: Database): LabelRepository {
  /** A write transaction with its actor named for the revision trigger. */
  const write = <T>(actor: string, work: (tx: Queryable, actor: string) => Promise<T>): Promise<T> => {
    const who = parse(ActorSchema, actor, "actor");
    return db.transaction(async (tx) => {
      await tx.query("SELECT set_config('chainwatch.actor', $1, true)", [who]);
      return work(tx, who);
    });
  };

  const revisionOf = async (queryable: Queryable): Promise<string> => {
    const { rows } = await queryable.query<{ revision: string }>(
      "SELECT revision::text AS revision FROM screening_revision",
    );
    return rows[0]?.revision ?? "0";
  };

  const findList = async (queryable: Queryable, id: string): Promise<LabelList | null> => {
    const { rows } = await queryable.query<ListRow>(
      `SELECT ${LIST_COLUMNS} FROM address_lists a WHERE a.id = $1`,
      [id],
    );
    return rows[0] ? toList(rows[0]) : null;
  };

  /** Locks the list against deletion for the rest of the transaction; LABEL_LIST_NOT_FOUND if missing. */
  const lockList = async (tx: Queryable, listId: string): Promise<void> => {
    const { rowCount } = await tx.query("SELECT 1 FROM address_lists WHERE id = $1 FOR KEY SHARE", [listId]);
    if (rowCount === 0)
      throw new LabelStoreError("LABEL_LIST_NOT_FOUND", `no label list "${listId}"`, { listId });
  };

  return {
    async upsertList(input) {
      const list = parse(LabelListInputSchema, input, "list");
      return write(list.actor, async (tx) => {
        const { rows } = await tx.query<{ id: string; is_insert: boolean }>(UPSERT_LIST, [
          list.id,
          list.name,
          list.kind,
          list.description || null,
          list.source || null,
          list.actor,
          list.description !== undefined,
          list.source !== undefined,
        ]);
        const stored = await findList(tx, list.id);
        if (!stored) throw new Error("label list upsert returned no row");
        const [changed] = rows;
        return { list: stored, created: changed?.is_insert === true, updated: changed?.is_insert === false };
      });
    },

    async listLists() {
      const { rows } = await db.query<ListRow>(`SELECT ${LIST_COLUMNS} FROM address_lists a ORDER BY a.id`);
      return rows.map(toList);
    },

    async getList(id) {
      assertListId(id);
      return findList(db, id);
    },

    async deleteList(id, actor) {
      assertListId(id);
      return write(actor, async (tx) => {
        const { rowCount } = await tx.query("DELETE FROM address_lists WHERE id = $1", [id]);
        return rowCount > 0;
      });
    },

    async importLabels(listId, rows, actor, options = {}) {
      assertListId(listId);
      const batchSize = options.batchSize ?? LABEL_IMPORT_BATCH_ROWS;
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5_000)
        throw new StoreValidationError("batchSize must be 1..5000", { field: "batchSize" });
      const { labels, duplicates } = distinctLabels(rows);
      return write(actor, async (tx, who) => {
        await lockList(tx, listId);
        const result: ImportLabelsResult = {
          inserted: 0,
          updated: 0,
          unchanged: 0,
          deleted: 0,
          duplicates,
          revision: "0",
        };
        for (let start = 0; start < labels.length; start += batchSize) {
          const batch = labels.slice(start, start + batchSize);
          const { inserted, updated } = await upsertBatch(tx, listId, batch, who);
          result.inserted += inserted;
          result.updated += updated;
          options.onProgress?.({ done: start + batch.length, total: labels.length });
        }
        result.unchanged = labels.length - result.inserted - result.updated;
        if (options.mode === "replace") {
          const keys = labels.map((label) => ({ chain_id: label.chainId, address: label.address }));
          const { rowCount } = await tx.query(DELETE_ABSENT, [listId, JSON.stringify(keys)]);
          result.deleted = rowCount;
        }
        result.revision = await revisionOf(tx);
        return result;
      });
    },

    async upsertLabel(listId, input, actor) {
      assertListId(listId);
      const label = parse(LabelInputSchema, input, "label");
      return write(actor, async (tx, who) => {
        await lockList(tx, listId);
        const { inserted, updated } = await upsertBatch(tx, listId, [label], who);
        return { label: await labelOf(tx, listId, label), created: inserted > 0, updated: updated > 0 };
      });
    },

    async getLabel(id) {
      assertLabelId(id);
      const { rows } = await db.query<LabelWithListRow>(
        `SELECT ${LABEL_COLUMNS}, a.name AS list_name, a.kind AS list_kind,
           coalesce(l.expires_at <= now(), false) AS is_expired
         FROM address_labels l JOIN address_lists a ON a.id = l.list_id
         WHERE l.id = $1`,
        [id],
      );
      return rows[0] ? toLabelWithList(rows[0]) : null;
    },

    async labelsFor(address, chainId = 1, options = {}) {
      const { rows } = await db.query<LabelWithListRow>(
        `SELECT ${LABEL_COLUMNS}, a.name AS list_name, a.kind AS list_kind,
           coalesce(l.expires_at <= now(), false) AS is_expired
         FROM address_labels l JOIN address_lists a ON a.id = l.list_id
         WHERE l.chain_id = $1 AND l.address = $2
           AND ($3::boolean OR l.expires_at IS NULL OR l.expires_at > now())
         ORDER BY l.list_id`,
        [chainIdOf(chainId), addressOf(address), options.includeExpired === true],
      );
      return rows.map(toLabelWithList);
    },

    async deleteLabel(id, actor) {
      assertLabelId(id);
      return write(actor, async (tx) => {
        const { rowCount } = await tx.query("DELETE FROM address_labels WHERE id = $1", [id]);
        return rowCount > 0;
      });
    },

    async listLabels(query) {
      if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_LABEL_PAGE)
        throw new StoreValidationError(`limit must be 1..${MAX_LABEL_PAGE}`, { field: "limit" });
      if (query.listId !== undefined) assertListId(query.listId);
      const address = query.address === undefined ? null : addressOf(query.address);
      const chainId = query.chainId === undefined ? null : chainIdOf(query.chainId);
      const before = query.cursor === undefined ? null : decodeLabelCursor(query.cursor);
      const { rows } = await db.query<LabelRow>(
        `SELECT ${LABEL_COLUMNS} FROM address_labels l
         WHERE ($1::text IS NULL OR l.list_id = $1)
           AND ($2::text IS NULL OR l.address = $2)
           AND ($3::int IS NULL OR l.chain_id = $3)
           AND ($4::bigint IS NULL OR l.id < $4::bigint)
         ORDER BY l.id DESC
         LIMIT $5`,
        [query.listId ?? null, address, chainId, before, query.limit + 1],
      );
      const page = rows.slice(0, query.limit).map(toLabel);
      const last = page.at(-1);
      return {
        labels: page,
        nextCursor: rows.length > query.limit && last ? encodeLabelCursor(last.id) : null,
      };
    },

    screeningRevision: () => revisionOf(db),

    async screeningSnapshot() {
      // One snapshot for the revision and the rows: a change committing between two reads cannot give a
      // revision that does not match the entries.
      return db.transaction(async (tx) => {
        await tx.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        const { rows: head } = await tx.query<{ revision: string; taken_at: Date | string }>(
          "SELECT revision::text AS revision, now() AS taken_at FROM screening_revision",
        );
        const { rows } = await tx.query<EntryRow>(
          `SELECT l.id::text AS id, l.address, l.chain_id, l.list_id, a.name AS list_name, a.kind AS list_kind,
             l.category, l.source, l.confidence, l.expires_at
           FROM address_labels l JOIN address_lists a ON a.id = l.list_id
           WHERE l.expires_at IS NULL OR l.expires_at > now()
           ORDER BY l.chain_id, l.address, l.list_id`,
        );
        const takenAt = head[0]?.taken_at ?? new Date();
        return {
          revision: head[0]?.revision ?? "0",
          takenAt: new Date(takenAt).toISOString(),
          entries: rows.map(toEntry),
          suppressions: await activeSuppressionEntries(tx),
        };
      });
    },
  };
}
