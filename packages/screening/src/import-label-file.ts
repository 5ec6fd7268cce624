import type { LabelRepository, ValidLabel } from "@chainwatch/store";
import type { LabelFileLayout } from "./label-file-layouts.ts";
import { type LabelFileFormat, type LabelFileHeader, readLabelFile } from "./read-label-file.ts";

export interface ImportLabelFileOptions {
  /** An existing list (the CLI creates it first); LABEL_LIST_NOT_FOUND otherwise. */
  listId: string;
  file: string;
  /** Default: from the extension (.csv, .jsonl, .ndjson, optionally .gz). */
  format?: LabelFileFormat;
  /** Who imports: created_by/updated_by of the labels and the revision's changed_by. */
  actor: string;
  /** merge (default) or replace: see ImportLabelsOptions.mode. */
  mode?: "merge" | "replace";
  onProgress?: (progress: LabelImportProgress) => void;
  /** Invalid rows kept in the summary with their message (the first ones by line); default 10. */
  maxReportedErrors?: number;
  /** Injected for tests. */
  now?: () => number;
}

export type LabelImportProgress =
  | { phase: "read"; read: number; invalid: number; elapsedMs: number }
  | { phase: "write"; written: number; total: number; elapsedMs: number };

export interface LabelImportSummary {
  listId: string;
  file: string;
  format: LabelFileFormat;
  layout: LabelFileLayout;
  ignoredColumns: string[];
  /** Data rows read (header and blank lines excluded). */
  read: number;
  invalid: number;
  /** Valid rows naming an address (and chain) that an earlier row of the file named: collapsed into one. */
  duplicates: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  /** The screening revision after the import. */
  revision: string;
  errors: { line: number; message: string }[];
  elapsedMs: number;
}

const READ_PROGRESS_EVERY_ROWS = 1_000;
const MAX_NOTE_CHARS = 1_000;

/**
 * Collapses rows naming the same chain and address: the last row's fields win, and the parts of all
 * their notes are kept (joined with "; ", while they fit), since the shipped lists repeat an address with two
 * Etherscan tags ("StaFi Protocol (FIS)" and "Fake_Phishing4188").
 */
class DistinctLabels {
  readonly byKey = new Map<string, ValidLabel>();
  duplicates = 0;

  add(label: ValidLabel): void {
    const key = `${label.chainId}:${label.address}`;
    const earlier = this.byKey.get(key);
    if (earlier === undefined) {
      this.byKey.set(key, label);
      return;
    }
    this.duplicates++;
    this.byKey.set(key, { ...label, note: mergedNote(earlier.note, label.note) });
  }
}

/** The union of two notes' "; "-separated parts, in order of appearance (the later alone if it would not fit). */
function mergedNote(earlier: string | null, later: string | null): string | null {
  if (earlier === null || later === null) return later ?? earlier;
  const parts = [...new Set([...earlier.split("; "), ...later.split("; ")])];
  const merged = parts.join("; ");
  return merged.length <= MAX_NOTE_CHARS ? merged : later;
}

/** Keeps the `limit` invalid rows with the lowest line numbers (csv-parse reports a skip out of order). */
function keepFirst(
  errors: { line: number; message: string }[],
  error: { line: number; message: string },
  limit: number,
) {
  if (limit <= 0) return;
  errors.push(error);
  errors.sort((a, b) => a.line - b.line);
  if (errors.length > limit) errors.pop();
}

/**
 * Reads a label file (readLabelFile), counts its invalid rows, collapses duplicates, and imports the rest
 * into one list in one transaction (LabelRepository.importLabels, one statement per 1,000 rows).
 * Idempotent: importing the same file again reports every row unchanged and moves no revision. The file is
 * held in memory as its distinct labels (measured: 256 bytes of heap per label on the shipped lists), so
 * a list of a million addresses needs about 300 MB; split larger files.
 */
export async function importLabelFile(
  repo: Pick<LabelRepository, "importLabels">,
  options: ImportLabelFileOptions,
): Promise<LabelImportSummary> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const elapsedMs = () => now() - startedAt;
  const maxErrors = options.maxReportedErrors ?? 10;
  let header: LabelFileHeader | null = null;
  const distinct = new DistinctLabels();
  const errors: { line: number; message: string }[] = [];
  let read = 0;
  let invalid = 0;
  for await (const row of readLabelFile(options.file, {
    ...(options.format ? { format: options.format } : {}),
    onHeader: (value) => {
      header = value;
    },
  })) {
    read++;
    if (row.ok) distinct.add(row.label);
    else {
      invalid++;
      keepFirst(errors, { line: row.line, message: row.message }, maxErrors);
    }
    if (read % READ_PROGRESS_EVERY_ROWS === 0)
      options.onProgress?.({ phase: "read", read, invalid, elapsedMs: elapsedMs() });
  }
  options.onProgress?.({ phase: "read", read, invalid, elapsedMs: elapsedMs() });
  const labels = [...distinct.byKey.values()];
  const result = await repo.importLabels(options.listId, labels, options.actor, {
    mode: options.mode ?? "merge",
    onProgress: ({ done, total }) =>
      options.onProgress?.({ phase: "write", written: done, total, elapsedMs: elapsedMs() }),
  });
  const known = header as LabelFileHeader | null;
  return {
    listId: options.listId,
    file: options.file,
    format: known?.format ?? options.format ?? "csv",
    layout: known?.layout ?? "generic",
    ignoredColumns: known?.ignoredColumns ?? [],
    read,
    invalid,
    duplicates: distinct.duplicates,
    inserted: result.inserted,
    updated: result.updated,
    unchanged: result.unchanged,
    deleted: result.deleted,
    revision: result.revision,
    errors,
    elapsedMs: elapsedMs(),
  };
}
