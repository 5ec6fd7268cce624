import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { LabelInputSchema, type ValidLabel } from "@chainwatch/store";
import { parse } from "csv-parse";
import { LabelFileError } from "./label-file-error.ts";
import {
  type CsvLayout,
  detectCsvLayout,
  GENERIC_COLUMNS,
  type LabelFileLayout,
} from "./label-file-layouts.ts";

/*
 * Streams a label file as validated rows: CSV (header row; csv-parse, so quoted fields, embedded commas and
 * a BOM are read as CSV says) or JSON Lines, either optionally .gz. Every row is validated with the store's
 * LabelInputSchema, so what is counted valid here is exactly what the store accepts.
 */

export const LABEL_FILE_FORMATS = ["csv", "jsonl"] as const;
export type LabelFileFormat = (typeof LABEL_FILE_FORMATS)[number];

/** A valid row is normalised as the store stores it (lower-case address, defaults applied). */
export type LabelRow =
  | { ok: true; line: number; label: ValidLabel }
  | { ok: false; line: number; message: string };

export interface LabelFileHeader {
  format: LabelFileFormat;
  layout: LabelFileLayout;
  /** CSV columns the layout does not read (reported, so a misspelt `expires_at` does not pass unnoticed). */
  ignoredColumns: string[];
}

/** The format a path's extension names (`.csv`, `.jsonl`/`.ndjson`, each optionally `.gz`), or null. */
export function formatOfPath(path: string): LabelFileFormat | null {
  const name = path.toLowerCase().replace(/\.gz$/, "");
  if (name.endsWith(".csv")) return "csv";
  if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) return "jsonl";
  return null;
}

function openStream(path: string): Readable {
  const source = createReadStream(path);
  return path.toLowerCase().endsWith(".gz") ? source.pipe(createGunzip()) : source;
}

function validated(candidate: unknown, line: number): LabelRow {
  const result = LabelInputSchema.safeParse(candidate);
  if (result.success) return { ok: true, line, label: result.data };
  const message = result.error.issues
    .map((issue) => `${issue.path.join(".") || "(row)"}: ${issue.message}`)
    .join("; ");
  return { ok: false, line, message };
}

/**
 * The rows of a label file, in file order, each with its line number (for a CSV record spanning lines, the
 * line it ends on). `onHeader` is called once the layout is known, before the first row. A file that is
 * missing or whose header matches no layout is refused with LabelFileError before any row.
 */
export async function* readLabelFile(
  path: string,
  options: { format?: LabelFileFormat; onHeader?: (header: LabelFileHeader) => void } = {},
): AsyncGenerator<LabelRow> {
  const format = options.format ?? formatOfPath(path);
  if (format === null)
    throw new LabelFileError(`cannot tell the format of ${path}: name it .csv or .jsonl, or pass the format`);
  try {
    await access(path);
  } catch {
    throw new LabelFileError(`cannot read ${path}`);
  }
  if (format === "jsonl") {
    options.onHeader?.({ format, layout: "jsonl", ignoredColumns: [] });
    yield* readJsonLines(path);
  } else {
    yield* readCsv(path, options.onHeader);
  }
}

async function* readJsonLines(path: string): AsyncGenerator<LabelRow> {
  const input = openStream(path);
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      if (text.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        yield { ok: false, line, message: "not valid JSON" };
        continue;
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        yield { ok: false, line, message: "not a JSON object" };
        continue;
      }
      yield validated(jsonCandidate(value as Record<string, unknown>), line);
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

/** A JSON line names fields as the store does (chainId, expiresAt) or as the CSV does (chain_id, expires_at). */
function jsonCandidate(value: Record<string, unknown>): Record<string, unknown> {
  const category = typeof value.category === "string" ? value.category.toLowerCase() : value.category;
  return {
    address: value.address,
    category,
    chainId: value.chainId ?? value.chain_id,
    source: value.source,
    confidence: value.confidence,
    note: value.note,
    expiresAt: value.expiresAt ?? value.expires_at,
  };
}

async function* readCsv(
  path: string,
  onHeader: ((header: LabelFileHeader) => void) | undefined,
): AsyncGenerator<LabelRow> {
  // A record csv-parse cannot read (an unclosed quote) is reported in place of a row, with its line.
  const skipped: LabelRow[] = [];
  const input = openStream(path);
  const parser = input.pipe(
    parse({
      bom: true,
      info: true,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (error) => {
        skipped.push({
          ok: false,
          line: Number(error?.lines ?? 0),
          message: error?.message ?? "unreadable CSV record",
        });
        return undefined;
      },
    }),
  );
  let header: string[] | null = null;
  let layout: CsvLayout | null = null;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      yield* skipped.splice(0);
      if (header === null || layout === null) {
        header = record.map((column) => column.trim().toLowerCase());
        layout = detectCsvLayout(header);
        if (layout === null)
          throw new LabelFileError(
            `${path}: unknown header (${header.join(",")}); a generic label file has ${GENERIC_COLUMNS.join(",")} (address and category required), or use a shipped Forta layout`,
          );
        const known = new Set(layout.columns);
        onHeader?.({
          format: "csv",
          layout: layout.name,
          ignoredColumns: header.filter((c) => !known.has(c)),
        });
        continue;
      }
      if (record.length !== header.length) {
        yield {
          ok: false,
          line: info.lines,
          message: `expected ${header.length} columns, found ${record.length}`,
        };
        continue;
      }
      const row: Record<string, string> = {};
      header.forEach((column, index) => {
        row[column] = record[index] ?? "";
      });
      const mapped = layout.map(row);
      yield mapped.ok
        ? validated(mapped.label, info.lines)
        : { ok: false, line: info.lines, message: mapped.message };
    }
    yield* skipped.splice(0);
    if (header === null) throw new LabelFileError(`${path}: empty file (no header row)`);
  } finally {
    input.destroy();
  }
}
