import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import type { TransactionValidationError } from "../errors.ts";
import { type NormalizedTransaction, safeNormalizeTransaction } from "../normalize-transaction.ts";
import { parseDecimalUnits } from "../units.ts";

/*
 * Streams transactions from CSV or JSON Lines (optionally .gz), one line at a time.
 *
 * CSV comes in two header-detected flavours:
 * - "al-emari": the shipped training data (block_timestamp, block_number, gas, gas_price, value, …), with
 *   gas_price and value in wei, possibly written as floats ("1.8e+18"). It has no hashes, addresses or
 *   call data; rows get a placeholder hash derived from the line number.
 * - generic: headers named like the simple input shape (hash, value, gas, gasPrice, from, to, nonce,
 *   input, blockNumber, timestamp, maxFeePerGas, maxPriorityFeePerGas) or their aliases (from_address,
 *   gas_price, block_timestamp…: FIELD_ALIASES), units as that shape (ETH, gwei; so a gas_price column is
 *   gwei here, unlike al-emari's wei), or hex quantities in wei per row (then the row is read as the
 *   JSON-RPC shape). Timestamps as unix seconds or ISO-8601 with a zone. Empty cells are omitted.
 */

export type RowOutcome =
  | { ok: true; line: number; tx: NormalizedTransaction }
  | { ok: false; line: number; message: string };

export type ReadOptions = {
  /** Keep only CSV rows whose column equals the value, e.g. { column: "class", value: "0" }. */
  where?: { column: string; value: string };
};

const AL_EMARI_COLUMNS = ["block_timestamp", "block_number", "gas", "gas_price", "value"];

export async function* readTransactions(path: string, options: ReadOptions = {}): AsyncGenerator<RowOutcome> {
  const source = createReadStream(path);
  const input = path.endsWith(".gz") ? source.pipe(createGunzip()) : source;
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  const isJsonLines = /\.(jsonl|ndjson)(\.gz)?$/.test(path);
  let header: string[] | null = null;
  let parseRow: ((cells: string[], line: number) => RowOutcome) | null = null;
  let whereIndex = -1;
  let lineNumber = 0;
  try {
    for await (const text of lines) {
      lineNumber++;
      if (text.trim() === "") continue;
      if (isJsonLines) {
        yield fromJson(text, lineNumber);
        continue;
      }
      const cells = splitCsvLine(text);
      if (header === null) {
        header = cells.map((cell) => cell.trim());
        parseRow = AL_EMARI_COLUMNS.every((column) => header?.includes(column))
          ? alEmariRow(header)
          : genericRow(header);
        if (options.where !== undefined) {
          whereIndex = header.indexOf(options.where.column);
          if (whereIndex === -1)
            throw new Error(`--where column "${options.where.column}" is not in the header`);
        }
        continue;
      }
      if (options.where !== undefined && cells[whereIndex]?.trim() !== options.where.value) continue;
      if (cells.length !== header.length) {
        yield {
          ok: false,
          line: lineNumber,
          message: `expected ${header.length} columns, found ${cells.length}`,
        };
        continue;
      }
      yield (parseRow as (cells: string[], line: number) => RowOutcome)(cells, lineNumber);
    }
  } finally {
    lines.close();
    source.destroy();
  }
}

function fromJson(text: string, line: number): RowOutcome {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, line, message: "not valid JSON" };
  }
  return fromNormalizeResult(safeNormalizeTransaction(unwrapped(value)), line);
}

/**
 * A line may wrap its transaction with other fields, `{ "tx": {…}, "label": …, "eventId": … }` (the
 * detection benchmark's --traffic-out): the transaction is read, the rest ignored. A line with a `hash`
 * is a transaction itself (the shapes accept unknown fields, so a stray `tx` field stays ignored).
 */
function unwrapped(value: unknown): unknown {
  if (typeof value !== "object" || value === null || !("tx" in value) || "hash" in value) return value;
  const tx = (value as { tx: unknown }).tx;
  return typeof tx === "object" && tx !== null && !Array.isArray(tx) ? tx : value;
}

function fromNormalizeResult(result: ReturnType<typeof safeNormalizeTransaction>, line: number): RowOutcome {
  return result.ok
    ? { ok: true, line, tx: result.value }
    : { ok: false, line, message: describe(result.error) };
}

function describe(error: TransactionValidationError): string {
  return error.issues.map((issue) => `${issue.path || "(row)"}: ${issue.message}`).join("; ");
}

function genericRow(header: string[]) {
  return (cells: string[], line: number): RowOutcome => {
    const record: Record<string, string> = {};
    header.forEach((name, i) => {
      const cell = cells[i]?.trim() ?? "";
      if (cell !== "") record[name] = cell;
    });
    return fromNormalizeResult(safeNormalizeTransaction(record), line);
  };
}

function alEmariRow(header: string[]) {
  const index = (name: string) => header.indexOf(name);
  const columns = {
    timestamp: index("block_timestamp"),
    blockNumber: index("block_number"),
    gas: index("gas"),
    gasPrice: index("gas_price"),
    value: index("value"),
  };
  return (cells: string[], line: number): RowOutcome => {
    const issues: string[] = [];
    const read = (name: keyof typeof columns): bigint | null => {
      const parsed = parseDecimalUnits(cells[columns[name]] ?? "", 0);
      if (parsed.ok) return parsed.value;
      issues.push(`${name}: ${parsed.message}`);
      return null;
    };
    const valueWei = read("value");
    const gas = read("gas");
    const gasPriceWei = read("gasPrice");
    const blockNumber = read("blockNumber");
    const timestamp = read("timestamp");
    if (
      valueWei === null ||
      gas === null ||
      gasPriceWei === null ||
      blockNumber === null ||
      timestamp === null
    ) {
      return { ok: false, line, message: issues.join("; ") };
    }
    const tx: NormalizedTransaction = {
      hash: `0x${line.toString(16).padStart(64, "0")}`,
      valueWei,
      gas,
      gasPriceWei,
      maxFeePerGasWei: null,
      maxPriorityFeePerGasWei: null,
      from: null,
      to: null,
      nonce: null,
      input: "0x",
      blockNumber: Number(blockNumber),
      timestamp: Number(timestamp),
      txType: null,
    };
    return { ok: true, line, tx };
  };
}

/** RFC 4180 cells on one line: quoted cells may contain commas and doubled quotes. */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ",") {
      cells.push(cell);
      cell = "";
    } else cell += char;
  }
  cells.push(cell);
  return cells;
}
