import type { Database } from "../database.ts";
import { StoreValidationError } from "../store-errors.ts";
import { isoOf, numberOrNull } from "./row-mapping.ts";
import type { TransactionRecordInput } from "./types.ts";

/**
 * A stored transaction for training: amounts as bigint wei, call data as its size. Structurally a
 * `TransactionSummary` of @chainwatch/model (valueWei, gas, gasPriceWei, maxPriorityFeePerGasWei, to,
 * timestamp, inputSize), so the rows go straight into `trainModelFromRows` / `startTrainingWorker`, with
 * no dependency between the two packages.
 */
export interface StoredTransaction extends Omit<TransactionRecordInput, "input"> {
  /** Call-data length in bytes (the call data itself is not stored). */
  inputSize: number;
  selector: string | null;
  firstSeenAt: string;
}

export interface StoredTransactionWindow {
  /** first_seen_at >= since */
  since: Date;
  /** first_seen_at < until; keep it a few seconds in the past so late commits cannot join mid-read. */
  until: Date;
  /** Rows per query, 1..50,000 (default 5,000). */
  batchSize?: number;
}

export const MAX_STORED_TRANSACTION_BATCH = 50_000;

interface StoredRow {
  hash: string;
  value_wei: string;
  gas: string;
  gas_price_wei: string;
  max_fee_per_gas_wei: string | null;
  max_priority_fee_per_gas_wei: string | null;
  from_address: string | null;
  to_address: string | null;
  nonce: string | null;
  input_size: number;
  selector: string | null;
  block_number: string | null;
  block_seconds: number | string | null;
  tx_type: number | null;
  first_seen_at: Date | string;
  cursor_at: string;
}

const COLUMNS = `hash, value_wei::text AS value_wei, gas::text AS gas, gas_price_wei::text AS gas_price_wei,
  max_fee_per_gas_wei::text AS max_fee_per_gas_wei, max_priority_fee_per_gas_wei::text AS max_priority_fee_per_gas_wei,
  from_address, to_address, nonce::text AS nonce, input_size, selector, block_number::text AS block_number,
  extract(epoch FROM block_timestamp)::float8 AS block_seconds, tx_type, first_seen_at,
  to_char(first_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at`;

/**
 * Stored transactions first seen in [since, until), in (first_seen_at, hash) order, read in keyset pages so
 * memory stays at one batch however large the window (no server-side cursor: works through a pool and on
 * PGlite alike). The order is part of the contract: training depends on row order, so an export for the
 * trainer CLI in the same order trains the same model byte for byte. Closing the iterator early (break,
 * or a cancelled training job) stops further queries.
 */
export async function* streamStoredTransactions(
  db: Database,
  window: StoredTransactionWindow,
): AsyncGenerator<StoredTransaction> {
  const { since, until } = validateWindow(window);
  const batchSize = window.batchSize ?? 5_000;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_STORED_TRANSACTION_BATCH)
    throw new StoreValidationError(`batchSize must be an integer in 1..${MAX_STORED_TRANSACTION_BATCH}`, {
      field: "batchSize",
    });
  let after: { at: string; hash: string } | null = null;
  for (;;) {
    const params: unknown[] = [since.toISOString(), until.toISOString(), batchSize];
    let keyset = "";
    if (after !== null) {
      params.push(after.at, after.hash);
      keyset = "AND (first_seen_at, hash) > ($4::timestamptz, $5)";
    }
    const { rows }: { rows: StoredRow[] } = await db.query<StoredRow>(
      `SELECT ${COLUMNS} FROM transactions
       WHERE first_seen_at >= $1::timestamptz AND first_seen_at < $2::timestamptz ${keyset}
       ORDER BY transactions.first_seen_at, transactions.hash
       LIMIT $3`,
      params,
    );
    for (const row of rows) yield toStoredTransaction(row);
    const last = rows.at(-1);
    if (last === undefined || rows.length < batchSize) return;
    after = { at: last.cursor_at, hash: last.hash };
  }
}

/** How many rows streamStoredTransactions would yield: for a progress denominator or a size check first. */
export async function countStoredTransactions(
  db: Database,
  window: StoredTransactionWindow,
): Promise<number> {
  const { since, until } = validateWindow(window);
  const { rows } = await db.query<{ count: string }>(
    `SELECT count(*)::text AS count FROM transactions
     WHERE first_seen_at >= $1::timestamptz AND first_seen_at < $2::timestamptz`,
    [since.toISOString(), until.toISOString()],
  );
  return Number(rows[0]?.count ?? 0);
}

/**
 * The start of the newest part of the window holding at most `maxRows` rows: `since` itself when the whole
 * window fits, else the first-seen time of the `maxRows`-th newest row (rows sharing that instant may add a
 * few). Lets a reader that must stay bounded keep the most recent rows rather than the oldest.
 */
export async function newestWindowStart(
  db: Database,
  window: StoredTransactionWindow,
  maxRows: number,
): Promise<Date> {
  const { since, until } = validateWindow(window);
  if (!Number.isInteger(maxRows) || maxRows < 1)
    throw new StoreValidationError("maxRows must be a positive integer", { field: "maxRows" });
  const { rows } = await db.query<{ first_seen_at: Date | string }>(
    `SELECT first_seen_at FROM transactions
     WHERE first_seen_at >= $1::timestamptz AND first_seen_at < $2::timestamptz
     ORDER BY first_seen_at DESC, hash DESC
     OFFSET $3 LIMIT 1`,
    [since.toISOString(), until.toISOString(), maxRows - 1],
  );
  const boundary = rows[0]?.first_seen_at;
  return boundary === undefined ? since : new Date(isoOf(boundary));
}

function validateWindow(window: StoredTransactionWindow): { since: Date; until: Date } {
  const { since, until } = window;
  if (!(since instanceof Date) || Number.isNaN(since.getTime()))
    throw new StoreValidationError("invalid since", { field: "since" });
  if (!(until instanceof Date) || Number.isNaN(until.getTime()) || until <= since)
    throw new StoreValidationError("until must be a date after since", { field: "until" });
  return { since, until };
}

const bigintOrNull = (value: string | null): bigint | null => (value === null ? null : BigInt(value));

function toStoredTransaction(row: StoredRow): StoredTransaction {
  return {
    hash: row.hash,
    valueWei: BigInt(row.value_wei),
    gas: BigInt(row.gas),
    gasPriceWei: BigInt(row.gas_price_wei),
    maxFeePerGasWei: bigintOrNull(row.max_fee_per_gas_wei),
    maxPriorityFeePerGasWei: bigintOrNull(row.max_priority_fee_per_gas_wei),
    from: row.from_address,
    to: row.to_address,
    nonce: numberOrNull(row.nonce),
    inputSize: Number(row.input_size),
    selector: row.selector,
    blockNumber: numberOrNull(row.block_number),
    timestamp: row.block_seconds === null ? null : Number(row.block_seconds),
    txType: row.tx_type === null ? null : Number(row.tx_type),
    firstSeenAt: isoOf(row.first_seen_at),
  };
}
