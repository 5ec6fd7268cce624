import { z } from "zod";
import type { SuppressionEntry } from "./review-types.ts";

/** What a list does to a transaction touching one of its addresses (the screening package decides how). */
export const LIST_KINDS = ["deny", "allow", "watch"] as const;
export type ListKind = (typeof LIST_KINDS)[number];

export const LABEL_CATEGORIES = [
  "phishing",
  "exploit",
  "sanctioned",
  "mixer",
  "scam",
  "exchange",
  "bridge",
  "mev",
  "custom",
] as const;
export type LabelCategory = (typeof LABEL_CATEGORIES)[number];

/** A list id is a slug: it appears in reasons, URLs and CLI flags. */
export const LIST_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const ADDRESS_PATTERN = /^0x[0-9a-f]{40}$/;
export const MAX_LABEL_PAGE = 1_000;
/**
 * Labels per INSERT statement in importLabels: one JSON parameter per batch. Measured on the shipped lists
 * (docs/benchmarks.md, "Screening lists"); 1,000 keeps a statement well under the 10 s statement timeout.
 */
export const LABEL_IMPORT_BATCH_ROWS = 1_000;

/** PostgreSQL text refuses NUL and lone UTF-16 surrogates; refusing them here names the field instead. */
export const storableText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .refine((text) => text.isWellFormed() && !text.includes("\0"), "must be storable text");

/** Optional text: absent, null and "" all mean "none" (stored as null). */
const optionalText = (max: number) =>
  storableText(max)
    .nullish()
    .transform((text) => (text ? text : null));

export const ActorSchema = storableText(256).min(1);

export const LabelListInputSchema = z.object({
  id: z.string().regex(LIST_ID_PATTERN, "must be a slug: a-z, 0-9, '.', '_' or '-', at most 64"),
  name: storableText(200).min(1),
  kind: z.enum(LIST_KINDS),
  /** undefined keeps an existing list's value; null clears it. */
  description: storableText(2_000).nullish(),
  /** Provenance: where the list's labels come from (repository, file, version). Same rule as description. */
  source: storableText(500).nullish(),
  actor: ActorSchema,
});
export type LabelListInput = z.input<typeof LabelListInputSchema>;

const expiresAt = z
  .union([z.date(), z.iso.datetime({ offset: true }), z.iso.date()])
  .nullish()
  .transform((value) => {
    if (value === null || value === undefined) return null;
    const date = value instanceof Date ? value : new Date(value);
    return Number.isNaN(date.getTime()) ? null : date;
  });

/** One label to write. Addresses are accepted in any case and stored lower-case. */
export const LabelInputSchema = z.object({
  address: z.string().trim().toLowerCase().regex(ADDRESS_PATTERN, "must be 0x and 40 hex digits"),
  chainId: z.number().int().min(1).max(2_147_483_647).default(1),
  category: z.enum(LABEL_CATEGORIES),
  /** Where this label comes from (e.g. the upstream list and its own source). */
  source: optionalText(500),
  /** The source's confidence, 0..1; 1 when the source states none. */
  confidence: z.number().min(0).max(1).default(1),
  note: optionalText(1_000),
  /** null → never expires. An expired label stays stored (and listed) but leaves the screening snapshot. */
  expiresAt,
});
export type LabelInput = z.input<typeof LabelInputSchema>;
export type ValidLabel = z.output<typeof LabelInputSchema>;

export interface LabelList {
  id: string;
  name: string;
  kind: ListKind;
  description: string | null;
  source: string | null;
  createdBy: string;
  updatedBy: string;
  createdAt: string;
  updatedAt: string;
  /** Labels in the list, expired ones included. */
  labelCount: number;
}

export interface UpsertListResult {
  list: LabelList;
  created: boolean;
  /** An existing list whose fields changed (false when the upsert changed nothing). */
  updated: boolean;
}

export interface StoredLabel {
  id: string;
  listId: string;
  chainId: number;
  address: string;
  category: LabelCategory;
  source: string | null;
  confidence: number;
  note: string | null;
  createdBy: string;
  updatedBy: string;
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
}

export interface LabelWithList extends StoredLabel {
  list: { id: string; name: string; kind: ListKind };
  isExpired: boolean;
}

export interface LabelQuery {
  listId?: string;
  address?: string;
  /** With `address`: only that chain. */
  chainId?: number;
  /** 1..MAX_LABEL_PAGE, newest first. */
  limit: number;
  cursor?: string;
}

export interface LabelPage {
  labels: StoredLabel[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

export interface ImportLabelsOptions {
  /**
   * merge (default): insert new labels, update changed ones, leave the list's other labels alone.
   * replace: also delete the list's labels that are not in `rows` (a shipped list's new version).
   */
  mode?: "merge" | "replace";
  /** Rows per statement (1..5,000); default LABEL_IMPORT_BATCH_ROWS. */
  batchSize?: number;
  /** After each statement: distinct rows written so far and their total. */
  onProgress?: (progress: { done: number; total: number }) => void;
}

export interface ImportLabelsResult {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Labels removed by mode replace. */
  deleted: number;
  /** Rows naming a chain and address an earlier row of the same call already named: the last one is kept. */
  duplicates: number;
  /** The screening revision after the import (unchanged when nothing changed). */
  revision: string;
}

/** One unexpired label as a replica holds it in memory. */
export interface ScreeningEntry {
  labelId: string;
  address: string;
  chainId: number;
  listId: string;
  listName: string;
  listKind: ListKind;
  category: LabelCategory;
  source: string | null;
  confidence: number;
  /** ISO-8601; a replica drops the entry once this passes (expiry does not move the revision). */
  expiresAt: string | null;
}

export interface ScreeningSnapshot {
  /** The revision these entries are consistent with (read in one snapshot of the database). */
  revision: string;
  /** The database's time of the snapshot: entries expiring before it are left out. */
  takenAt: string;
  entries: ScreeningEntry[];
  /** Active reason suppressions (from reviews): the same revision covers them. */
  suppressions: SuppressionEntry[];
}
