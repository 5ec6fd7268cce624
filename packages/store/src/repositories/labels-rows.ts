import { StoreValidationError } from "../store-errors.ts";
import type {
  LabelCategory,
  LabelList,
  LabelWithList,
  ListKind,
  ScreeningEntry,
  StoredLabel,
} from "./labels-types.ts";
import { isoOf, isoOrNull } from "./row-mapping.ts";

// Rows as the two drivers return them (pg: int8 as string, timestamptz as Date; PGlite: int8 as number),
// and their mapping to one shape. Ids are cast to text in SQL.

export const LIST_COLUMNS = `a.id, a.name, a.kind, a.description, a.source, a.created_by, a.updated_by,
  a.created_at, a.updated_at, (SELECT count(*) FROM address_labels c WHERE c.list_id = a.id)::int AS label_count`;

export const LABEL_COLUMNS = `l.id::text AS id, l.list_id, l.chain_id, l.address, l.category, l.source,
  l.confidence, l.note, l.created_by, l.updated_by, l.created_at, l.updated_at, l.expires_at`;

export interface ListRow {
  id: string;
  name: string;
  kind: ListKind;
  description: string | null;
  source: string | null;
  created_by: string;
  updated_by: string;
  created_at: Date | string;
  updated_at: Date | string;
  label_count: number | string;
}

export interface LabelRow {
  id: string;
  list_id: string;
  chain_id: number;
  address: string;
  category: LabelCategory;
  source: string | null;
  confidence: number | string;
  note: string | null;
  created_by: string;
  updated_by: string;
  created_at: Date | string;
  updated_at: Date | string;
  expires_at: Date | string | null;
}

export interface LabelWithListRow extends LabelRow {
  list_name: string;
  list_kind: ListKind;
  is_expired: boolean;
}

export interface EntryRow {
  id: string;
  address: string;
  chain_id: number;
  list_id: string;
  list_name: string;
  list_kind: ListKind;
  category: LabelCategory;
  source: string | null;
  confidence: number | string;
  expires_at: Date | string | null;
}

export function toList(row: ListRow): LabelList {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    description: row.description,
    source: row.source,
    createdBy: row.created_by,
    updatedBy: row.updated_by,
    createdAt: isoOf(row.created_at),
    updatedAt: isoOf(row.updated_at),
    labelCount: Number(row.label_count),
  };
}

export function toLabel(row: LabelRow): StoredLabel {
  return {
    id: row.id,
    listId: row.list_id,
    chainId: Number(row.chain_id),
    address: row.address,
    category: row.category,
    source: row.source,
    confidence: Number(row.confidence),
    note: row.note,
    createdBy: row.created_by,
    updatedBy: row.updated_by,
    createdAt: isoOf(row.created_at),
    updatedAt: isoOf(row.updated_at),
    expiresAt: isoOrNull(row.expires_at),
  };
}

export function toLabelWithList(row: LabelWithListRow): LabelWithList {
  return {
    ...toLabel(row),
    list: { id: row.list_id, name: row.list_name, kind: row.list_kind },
    isExpired: row.is_expired,
  };
}

export function toEntry(row: EntryRow): ScreeningEntry {
  return {
    labelId: row.id,
    address: row.address,
    chainId: Number(row.chain_id),
    listId: row.list_id,
    listName: row.list_name,
    listKind: row.list_kind,
    category: row.category,
    source: row.source,
    confidence: Number(row.confidence),
    expiresAt: isoOrNull(row.expires_at),
  };
}

const CURSOR_VERSION = "1";
const BIGSERIAL = /^[1-9]\d{0,18}$/;
const BASE64URL = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_ID = 9_223_372_036_854_775_807n;

export function isLabelId(id: string): boolean {
  return BIGSERIAL.test(id) && BigInt(id) <= MAX_ID;
}

/** Labels page newest first by id; the cursor is the last id, opaque (base64url) so clients cannot edit it. */
export function encodeLabelCursor(id: string): string {
  return Buffer.from(`${CURSOR_VERSION}|${id}`, "utf8").toString("base64url");
}

export function decodeLabelCursor(encoded: string): string {
  const invalid = () => new StoreValidationError("malformed cursor", { field: "cursor" });
  if (!BASE64URL.test(encoded)) throw invalid();
  const [version, id, ...rest] = Buffer.from(encoded, "base64url").toString("utf8").split("|");
  if (version !== CURSOR_VERSION || rest.length > 0 || id === undefined || !isLabelId(id)) throw invalid();
  return id;
}
