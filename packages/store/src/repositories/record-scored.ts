import type { Database, Queryable } from "../database.ts";
import { StoreValidationError } from "../store-errors.ts";
import {
  RECORD_SOURCES,
  type RecordOrigin,
  type RecordScoredResult,
  type RecordSource,
  type ScoredTransactionRecord,
  SEVERITIES,
  type TransactionConflict,
} from "./types.ts";

const HASH = /^0x[0-9a-f]{64}$/;
const ADDRESS = /^0x[0-9a-f]{40}$/;
const HEX_BYTES = /^(0x)?([0-9a-f]{2})*$/i;
const SELECTOR_BYTES = 4;
/** @chainwatch/model CONTENT_FINGERPRINT_PATTERN: the store does not depend on the model package. */
const FINGERPRINT = /^[A-Za-z0-9_-]{43}$/;

// The whole batch in one statement and one round trip: the rows travel as a single JSON parameter, and
// data-modifying CTEs write them. One statement is atomic without BEGIN/COMMIT (five round trips became
// one), and the foreign keys are checked at its end, after all the inserts. Measured on 1,667-row batches:
// the client's cost fell from ~19 to ~9 µs per row (one JSON.stringify instead of pg encoding 23 text arrays
// element by element); PostgreSQL's stayed ~75-85 µs per row either way (the inserts and their indexes, not
// the decoding, dominate).
//
// A hash is a claim anyone can make, so the stored row is keyed by its content too. Same hash and same
// content fingerprint: a replay (queue retry, Kafka redelivery), a no-op. Same hash, other content: the new
// content replaces the stored one (the DO UPDATE's WHERE), the row keeps what it replaced and when
// (previous_content_fingerprint, content_changed_at, set from the locked current row, so two writers
// racing on a hash each see the other's committed content, never a stale snapshot), and a conflict row is
// written in the same statement, with its audit entry (action transaction.conflict: who, from where, which
// request), so no conflict is stored unaudited and a retried write cannot lose the entry. A row from
// before fingerprints (null) is adopted: a conflict only if its columns differ. Predictions and anomalies
// are per (hash, version, content): every content's results are kept, lookups show the stored content's.
// One exception to "a replay is a no-op": a result stored as a shadow's (served = false) becomes served when
// the same version scores the same content again after its promotion, or the promoted model's earlier
// results would stay hidden. DO UPDATE may touch a row only once per statement, so each hash has one content
// per statement (recordScored splits a batch that has more) and results are made distinct per (hash,
// version, content) first (a served copy wins). Rows are written in hash order, so concurrent statements
// lock rows in the same order. RETURNING counts what was written.
const STORED_COLUMNS = `block_number, block_timestamp, from_address, to_address, value_wei, gas, gas_price_wei,
  max_fee_per_gas_wei, max_priority_fee_per_gas_wei, nonce, input_size, selector, tx_type`;
const columnsOf = (table: string) =>
  STORED_COLUMNS.split(",")
    .map((column) => `${table}.${column.trim()}`)
    .join(", ");

// What the sender signed: everything stored but the block, its time and the gas price (a type-2
// transaction's gasPrice is its fee cap while pending and the effective price once mined).
const SIGNED_COLUMNS = `from_address, to_address, value_wei, gas, max_fee_per_gas_wei,
  max_priority_fee_per_gas_wei, nonce, input_size, selector, tx_type`;
const signedOf = (table: string) =>
  SIGNED_COLUMNS.split(",")
    .map((column) => `${table}.${column.trim()}`)
    .join(", ");

// A row stored without a block (scored while pending, issue #19 mempool mode, or sent to the API before
// inclusion) now arriving with its block and the same signed fields is the same transaction, mined: not a
// content conflict (no conflict row, no audit entry). The stored content becomes the mined one, and
// pending_fingerprint keeps the pending content's fingerprint, so its results stay reachable and its
// anomaly is not repeated.
const MINED_AFTER_PENDING = `(t.block_number IS NULL AND EXCLUDED.block_number IS NOT NULL
      AND (${signedOf("t")}) IS NOT DISTINCT FROM (${signedOf("EXCLUDED")}))`;

const INSERT_SCORED = `
WITH input AS MATERIALIZED (
  SELECT * FROM json_to_recordset($1::json) AS r(ord int, hash text, content_fingerprint text,
    block_number bigint, block_seconds float8, from_address text, to_address text, value_wei numeric, gas numeric,
    gas_price_wei numeric, max_fee numeric, max_priority_fee numeric, nonce bigint, input_size int, selector text,
    tx_type smallint, model_version text, anomaly_score float8, severity text, is_anomaly bool, confidence float8,
    explanation jsonb, features jsonb, risk_score float8, risk_level text, reasons jsonb, scored_at timestamptz, served bool, source text, request_id text,
    principal text, principal_type text, principal_id text, ip text, user_agent text)
),
contents AS MATERIALIZED (
  SELECT DISTINCT ON (hash) * FROM input ORDER BY hash, served DESC, ord
),
written_transactions AS (
  INSERT INTO transactions AS t (hash, ${STORED_COLUMNS}, content_fingerprint)
  SELECT hash, block_number, to_timestamp(block_seconds), from_address, to_address, value_wei, gas,
    gas_price_wei, max_fee, max_priority_fee, nonce, input_size, selector, tx_type, content_fingerprint
  FROM contents
  ORDER BY hash
  ON CONFLICT (hash) DO UPDATE SET (${STORED_COLUMNS}, content_fingerprint) =
    (${columnsOf("EXCLUDED")}, EXCLUDED.content_fingerprint),
    previous_content_fingerprint = t.content_fingerprint,
    content_changed_at = CASE
      WHEN ${MINED_AFTER_PENDING} THEN t.content_changed_at
      WHEN t.content_fingerprint IS NOT NULL
        OR (${columnsOf("t")}) IS DISTINCT FROM (${columnsOf("EXCLUDED")})
      THEN statement_timestamp()
      ELSE t.content_changed_at
    END,
    pending_fingerprint = CASE WHEN ${MINED_AFTER_PENDING} THEN t.content_fingerprint END
  WHERE t.content_fingerprint IS DISTINCT FROM EXCLUDED.content_fingerprint
  RETURNING t.hash, t.content_fingerprint, t.previous_content_fingerprint, t.content_changed_at,
    t.pending_fingerprint
),
recorded_conflicts AS (
  INSERT INTO transaction_conflicts (tx_hash, previous_fingerprint, fingerprint, model_version, source,
    request_id, principal, detected_at)
  SELECT w.hash, w.previous_content_fingerprint, w.content_fingerprint, c.model_version, c.source,
    c.request_id, c.principal, w.content_changed_at
  FROM written_transactions w JOIN contents c ON c.hash = w.hash
  WHERE w.content_changed_at = statement_timestamp()
  RETURNING id, tx_hash, previous_fingerprint, fingerprint, model_version, source, request_id, principal,
    detected_at
),
audited_conflicts AS (
  INSERT INTO audit_logs (occurred_at, action, outcome, principal_type, principal_id, ip, user_agent,
    request_id, resource, details)
  SELECT r.detected_at, 'transaction.conflict', 'success', c.principal_type, c.principal_id, c.ip,
    c.user_agent, r.request_id, '/api/v1/transactions/' || r.tx_hash,
    jsonb_build_object('conflictId', r.id::text, 'previousFingerprint', r.previous_fingerprint,
      'fingerprint', r.fingerprint, 'modelVersion', r.model_version, 'source', r.source)
  FROM recorded_conflicts r JOIN contents c ON c.hash = r.tx_hash
  RETURNING 1
),
results AS MATERIALIZED (
  SELECT DISTINCT ON (hash, model_version) * FROM input ORDER BY hash, model_version, served DESC, ord
),
inserted_predictions AS (
  INSERT INTO predictions (tx_hash, model_version, content_fingerprint, anomaly_score, severity, is_anomaly,
    confidence, explanation, risk_score, risk_level, reasons, features, created_at, served)
  SELECT hash, model_version, content_fingerprint, anomaly_score, severity, is_anomaly, confidence,
    explanation, risk_score, risk_level, reasons, features, scored_at, served
  FROM results
  ON CONFLICT (tx_hash, model_version, content_fingerprint) DO UPDATE SET served = true
    WHERE NOT predictions.served AND EXCLUDED.served
  RETURNING 1
),
inserted_anomalies AS (
  INSERT INTO anomalies (tx_hash, model_version, content_fingerprint, anomaly_score, severity, confidence,
    features, explanation, risk_score, risk_level, reasons, detected_at, served)
  SELECT hash, model_version, content_fingerprint, anomaly_score, severity, confidence, features, explanation,
    risk_score, risk_level, reasons, scored_at, served
  FROM results
  WHERE is_anomaly
    -- The pending content's anomaly already stands for this transaction (and its alert went out): the
    -- mined result is stored as its prediction, not as a second anomaly to review. Read from this
    -- statement's write (the first mined write) or from the stored row (a replay of it).
    AND NOT EXISTS (
      SELECT 1 FROM anomalies a
      WHERE a.tx_hash = results.hash AND a.model_version = results.model_version
        AND a.content_fingerprint IN (
          (SELECT w.pending_fingerprint FROM written_transactions w WHERE w.hash = results.hash),
          (SELECT s.pending_fingerprint FROM transactions s
            WHERE s.hash = results.hash AND s.content_fingerprint = results.content_fingerprint)))
  ON CONFLICT (tx_hash, model_version, content_fingerprint) DO UPDATE SET served = true
    WHERE NOT anomalies.served AND EXCLUDED.served
  RETURNING 1
)
SELECT (SELECT count(*)::int FROM written_transactions) AS transactions,
  (SELECT count(*)::int FROM inserted_predictions) AS predictions,
  (SELECT count(*)::int FROM inserted_anomalies) AS anomalies,
  (SELECT coalesce(json_agg(json_build_object('id', id::text, 'hash', tx_hash,
      'previousFingerprint', previous_fingerprint, 'fingerprint', fingerprint, 'modelVersion', model_version,
      'source', source, 'requestId', request_id, 'principal', principal, 'detectedAt', detected_at)
      ORDER BY id), '[]'::json)
    FROM recorded_conflicts) AS conflicts`;

interface CountsRow {
  transactions: number | string;
  predictions: number | string;
  anomalies: number | string;
  conflicts: ConflictJson[] | string;
}

interface ConflictJson {
  id: string;
  hash: string;
  previousFingerprint: string | null;
  fingerprint: string;
  modelVersion: string;
  source: string | null;
  requestId: string | null;
  principal: string | null;
  detectedAt: string;
}

/**
 * Writes transactions, their predictions and (for anomalies) review rows, all or nothing. Usually one
 * statement; a batch holding several contents for one hash takes one statement per content in one
 * transaction (see contentRounds), so the content seen last is the one stored and each change is a conflict.
 */
export async function recordScored(
  db: Database,
  batch: ScoredTransactionRecord[],
): Promise<RecordScoredResult> {
  const total: RecordScoredResult = { transactions: 0, predictions: 0, anomalies: 0, conflicts: [] };
  if (batch.length === 0) return total;
  const rounds = contentRounds(normaliseAll(batch));
  const write = async (queryable: Queryable, rows: JsonRow[]) => {
    const json = JSON.stringify(rows);
    if (mayHoldUnstorableText(json)) assertStorableJson(batch);
    const { rows: counts } = await queryable.query<CountsRow>(INSERT_SCORED, [json]);
    const [written] = counts;
    total.transactions += Number(written?.transactions ?? 0);
    total.predictions += Number(written?.predictions ?? 0);
    total.anomalies += Number(written?.anomalies ?? 0);
    total.conflicts?.push(...conflictsOf(written?.conflicts, rows, batch));
  };
  const [only] = rounds;
  if (rounds.length === 1 && only) await write(db, only);
  else
    await db.transaction(async (tx) => {
      for (const rows of rounds) await write(tx, rows);
    });
  return total;
}

/**
 * Splits rows so each hash has one content per statement. A hash's contents are ordered by their last
 * appearance in the batch, so the content seen last is written last and is the one stored; round n holds
 * each hash's n-th content (rows keep their batch order within a round).
 */
function contentRounds(rows: JsonRow[]): JsonRow[][] {
  const contentsByHash = new Map<string, string[]>();
  for (const row of rows) {
    const contents = contentsByHash.get(row.hash) ?? [];
    const seen = contents.indexOf(row.content_fingerprint);
    if (seen !== -1) contents.splice(seen, 1);
    contents.push(row.content_fingerprint);
    contentsByHash.set(row.hash, contents);
  }
  const rounds: JsonRow[][] = [];
  for (const row of rows) {
    const round = contentsByHash.get(row.hash)?.indexOf(row.content_fingerprint) ?? 0;
    const rowsOfRound = rounds[round] ?? [];
    rowsOfRound.push(row);
    rounds[round] = rowsOfRound;
  }
  return rounds;
}

/** The statement's conflicts, each with the full origin of the record that caused it (as SQL chose it). */
function conflictsOf(
  raw: ConflictJson[] | string | undefined,
  rows: readonly JsonRow[],
  batch: readonly ScoredTransactionRecord[],
): TransactionConflict[] {
  const list: ConflictJson[] = typeof raw === "string" ? JSON.parse(raw) : (raw ?? []);
  if (list.length === 0) return [];
  // The same choice as the contents CTE: per hash and content, a served row first, then the earliest.
  const causes = new Map<string, JsonRow>();
  for (const row of rows) {
    const key = `${row.hash}:${row.content_fingerprint}`;
    const chosen = causes.get(key);
    if (!chosen || (row.served && !chosen.served)) causes.set(key, row);
  }
  return list.map((conflict) => {
    const cause = causes.get(`${conflict.hash}:${conflict.fingerprint}`);
    const origin = cause === undefined ? undefined : batch[cause.ord]?.origin;
    return {
      id: conflict.id,
      hash: conflict.hash,
      previousFingerprint: conflict.previousFingerprint,
      fingerprint: conflict.fingerprint,
      modelVersion: conflict.modelVersion,
      origin:
        origin ??
        (conflict.source === null
          ? null
          : {
              source: conflict.source as RecordSource,
              requestId: conflict.requestId,
              principal: conflict.principal,
            }),
      detectedAt: new Date(conflict.detectedAt).toISOString(),
    };
  });
}

/** One row of the JSON parameter; the keys are the column names of INSERT_SCORED's json_to_recordset. */
interface JsonRow {
  /** index in the batch */
  ord: number;
  hash: string;
  content_fingerprint: string;
  block_number: number | null;
  block_seconds: number | null;
  from_address: string | null;
  to_address: string | null;
  /** numeric columns: decimal strings, exact whatever the size (JSON numbers are doubles) */
  value_wei: string;
  gas: string;
  gas_price_wei: string;
  max_fee: string | null;
  max_priority_fee: string | null;
  nonce: number | null;
  input_size: number;
  selector: string | null;
  tx_type: number | null;
  model_version: string;
  anomaly_score: number;
  severity: string;
  is_anomaly: boolean;
  confidence: number;
  explanation: unknown[];
  features: Record<string, number> | null;
  risk_score: number | null;
  risk_level: string | null;
  reasons: unknown[] | null;
  scored_at: string;
  served: boolean;
  source: RecordSource | null;
  request_id: string | null;
  principal: string | null;
  /** the audit entry's: `api_key`/`user` from `principal`, else `system` (stream) or `anonymous` */
  principal_type: "api_key" | "user" | "system" | "anonymous";
  principal_id: string | null;
  ip: string | null;
  user_agent: string | null;
}

const WEI_LIMIT = 2n ** 256n;

/**
 * PostgreSQL text and json refuse NUL and lone UTF-16 surrogates (JSON.stringify writes the latter as a
 * `\udXXX` escape that the json → text cast rejects), which would fail the whole batch's one statement.
 */
function isStorableText(text: string): boolean {
  return text.isWellFormed() && !text.includes("\0");
}

/**
 * Whether JSON text may hold a string PostgreSQL refuses: JSON.stringify writes NUL as `\u0000` and a lone
 * surrogate as `\udXXX` (a paired one stays raw), so text without either escape has none. An escaped
 * backslash followed by such letters matches too: a false alarm, settled by the walk below.
 */
const UNSTORABLE_ESCAPE = /\\u(?:0000|d[89a-f])/i;
const mayHoldUnstorableText = (json: string) => UNSTORABLE_ESCAPE.test(json);

/**
 * Every record's JSON values (explanation, features, reasons) walked string by string; throws the typed
 * error naming the first record that holds unstorable text. Only when the batch's JSON text raised the
 * alarm: walking every record was ~5 % of a worker's CPU (profile, issue #21), scanning the text once is a
 * native regex over it.
 */
function assertStorableJson(batch: readonly ScoredTransactionRecord[]): void {
  batch.forEach((record, index) => {
    checkStorableJson(record, index);
  });
}

function checkStorableJson(record: ScoredTransactionRecord, index: number): void {
  const fail = (field: string): never => {
    throw new StoreValidationError(`invalid ${field} in scored record ${index}`, { index, field });
  };
  if (!hasOnlyStorableText(record.prediction.explanation)) fail("prediction.explanation");
  if (!hasOnlyStorableText(record.features)) fail("features");
  if (!hasOnlyStorableText(record.prediction.reasons)) fail("prediction.reasons");
}

/**
 * Normalises every record. When one is refused, the records before it are walked for unstorable JSON
 * values first, so the error names the first bad record of the batch, as a walk of each record in turn did.
 */
function normaliseAll(batch: readonly ScoredTransactionRecord[]): JsonRow[] {
  const rows: JsonRow[] = [];
  for (let index = 0; index < batch.length; index++) {
    try {
      rows.push(normalise(batch[index] as ScoredTransactionRecord, index));
    } catch (error) {
      for (let earlier = 0; earlier < index; earlier++) {
        checkStorableJson(batch[earlier] as ScoredTransactionRecord, earlier);
      }
      throw error;
    }
  }
  return rows;
}

/** Every string and key in a JSON-like value is storable text (a few explanation entries: cheap). */
function hasOnlyStorableText(value: unknown): boolean {
  if (typeof value === "string") return isStorableText(value);
  if (value === null || typeof value !== "object") return true;
  if (Array.isArray(value)) return value.every(hasOnlyStorableText);
  for (const [key, item] of Object.entries(value)) {
    if (!isStorableText(key) || !hasOnlyStorableText(item)) return false;
  }
  return true;
}

/**
 * Checks in JS what the table constraints would reject, so one bad record fails with a typed error that
 * names it (and the queue discards the batch) rather than as a constraint violation retried forever.
 */
function normalise(record: ScoredTransactionRecord, index: number): JsonRow {
  const { transaction: tx, prediction } = record;
  const fail = (field: string): never => {
    throw new StoreValidationError(`invalid ${field} in scored record ${index}`, { index, field });
  };
  const hash = tx.hash.toLowerCase();
  if (!HASH.test(hash)) fail("transaction.hash");
  const address = (value: string | null, field: string): string | null => {
    if (value === null) return null;
    const lower = value.toLowerCase();
    return ADDRESS.test(lower) ? lower : fail(field);
  };
  const wei = (value: bigint | null, field: string): string | null => {
    if (value === null) return null;
    return typeof value === "bigint" && value >= 0n && value < WEI_LIMIT ? value.toString() : fail(field);
  };
  const count = (value: number | null, field: string): number | null => {
    if (value === null) return null;
    return Number.isSafeInteger(value) && value >= 0 ? value : fail(field);
  };
  if (!HEX_BYTES.test(tx.input)) fail("transaction.input");
  const hex = tx.input.replace(/^0x/i, "").toLowerCase();
  const inputSize = hex.length / 2;
  if (!SEVERITIES.includes(prediction.severity)) fail("prediction.severity");
  if (!Number.isFinite(prediction.anomalyScore)) fail("prediction.anomalyScore");
  if (!Number.isFinite(prediction.confidence)) fail("prediction.confidence");
  if (typeof prediction.isAnomaly !== "boolean") fail("prediction.isAnomaly");
  if (prediction.modelVersion.length === 0 || !isStorableText(prediction.modelVersion))
    fail("prediction.modelVersion");
  if (prediction.riskScore !== undefined && !(prediction.riskScore >= 0 && prediction.riskScore <= 1))
    fail("prediction.riskScore");
  if (prediction.riskLevel !== undefined && !SEVERITIES.includes(prediction.riskLevel))
    fail("prediction.riskLevel");
  if (tx.timestamp !== null && !Number.isFinite(tx.timestamp)) fail("transaction.timestamp");
  if (tx.txType !== null && !(Number.isInteger(tx.txType) && tx.txType >= 0 && tx.txType <= 32_767)) {
    fail("transaction.txType");
  }
  if (typeof record.contentFingerprint !== "string" || !FINGERPRINT.test(record.contentFingerprint))
    fail("contentFingerprint");
  const scoredAt = record.scoredAt ?? new Date();
  if (Number.isNaN(scoredAt.getTime())) fail("scoredAt");
  if (record.served !== undefined && typeof record.served !== "boolean") fail("served");
  const origin = record.origin;
  return {
    ord: index,
    hash,
    content_fingerprint: record.contentFingerprint,
    block_number: count(tx.blockNumber, "transaction.blockNumber"),
    block_seconds: tx.timestamp,
    from_address: address(tx.from, "transaction.from"),
    to_address: address(tx.to, "transaction.to"),
    value_wei: wei(tx.valueWei, "transaction.valueWei") ?? fail("transaction.valueWei"),
    gas: wei(tx.gas, "transaction.gas") ?? fail("transaction.gas"),
    gas_price_wei: wei(tx.gasPriceWei, "transaction.gasPriceWei") ?? fail("transaction.gasPriceWei"),
    max_fee: wei(tx.maxFeePerGasWei, "transaction.maxFeePerGasWei"),
    max_priority_fee: wei(tx.maxPriorityFeePerGasWei, "transaction.maxPriorityFeePerGasWei"),
    nonce: count(tx.nonce, "transaction.nonce"),
    input_size: inputSize,
    selector: inputSize >= SELECTOR_BYTES ? `0x${hex.slice(0, SELECTOR_BYTES * 2)}` : null,
    tx_type: tx.txType,
    model_version: prediction.modelVersion,
    anomaly_score: prediction.anomalyScore,
    severity: prediction.severity,
    is_anomaly: prediction.isAnomaly,
    confidence: prediction.confidence,
    explanation: prediction.explanation ?? [],
    features: record.features ?? null,
    risk_score: prediction.riskScore ?? null,
    risk_level: prediction.riskLevel ?? null,
    reasons: prediction.reasons ?? null,
    scored_at: scoredAt.toISOString(),
    served: record.served ?? true,
    source: origin && RECORD_SOURCES.includes(origin.source) ? origin.source : null,
    request_id: originText(origin?.requestId),
    principal: originText(origin?.principal),
    ...auditPrincipal(origin),
    ip: originText(origin?.ip),
    user_agent: originText(origin?.userAgent),
  };
}

/** `api_key:<id>` / `user:<id>` as the audit log's principal columns. */
function auditPrincipal(origin: RecordOrigin | undefined): Pick<JsonRow, "principal_type" | "principal_id"> {
  const principal = originText(origin?.principal);
  const separator = principal?.indexOf(":") ?? -1;
  const type = principal?.slice(0, separator);
  if (principal && separator > 0 && (type === "api_key" || type === "user"))
    return { principal_type: type, principal_id: principal.slice(separator + 1) || null };
  return { principal_type: origin?.source === "stream" ? "system" : "anonymous", principal_id: null };
}

/**
 * Origin fields are context, not data: one the table cannot hold is dropped (or cut to 256 characters), never
 * a reason to refuse the record.
 */
function originText(value: string | null | undefined): string | null {
  if (typeof value !== "string" || value.length === 0) return null;
  const text = value.slice(0, 256);
  return isStorableText(text) ? text : null;
}
