import type { Database } from "../database.ts";
import { StoreValidationError } from "../store-errors.ts";
import { type RecordScoredResult, type ScoredTransactionRecord, SEVERITIES } from "./types.ts";

const HASH = /^0x[0-9a-f]{64}$/;
const ADDRESS = /^0x[0-9a-f]{40}$/;
const HEX_BYTES = /^(0x)?([0-9a-f]{2})*$/i;
const SELECTOR_BYTES = 4;

// One statement per table, each inserting the whole batch from parallel arrays: three round trips per
// batch however large it is. ON CONFLICT DO NOTHING makes a replay (queue retry, Kafka redelivery) a no-op.
const INSERT_TRANSACTIONS = `
INSERT INTO transactions (hash, block_number, block_timestamp, from_address, to_address, value_wei, gas,
  gas_price_wei, max_fee_per_gas_wei, max_priority_fee_per_gas_wei, nonce, input_size, selector, tx_type)
SELECT u.hash, u.block_number, to_timestamp(u.block_seconds), u.from_address, u.to_address, u.value_wei, u.gas,
  u.gas_price_wei, u.max_fee, u.max_priority_fee, u.nonce, u.input_size, u.selector, u.tx_type
FROM unnest($1::text[], $2::bigint[], $3::float8[], $4::text[], $5::text[], $6::numeric[], $7::numeric[],
  $8::numeric[], $9::numeric[], $10::numeric[], $11::bigint[], $12::int[], $13::text[], $14::smallint[])
  AS u(hash, block_number, block_seconds, from_address, to_address, value_wei, gas, gas_price_wei, max_fee,
    max_priority_fee, nonce, input_size, selector, tx_type)
ON CONFLICT (hash) DO NOTHING`;

const INSERT_PREDICTIONS = `
INSERT INTO predictions (tx_hash, model_version, anomaly_score, severity, is_anomaly, confidence, explanation,
  created_at, served)
SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::text[], $5::bool[], $6::float8[], $7::jsonb[],
  $8::timestamptz[], $9::bool[])
ON CONFLICT (tx_hash, model_version) DO NOTHING`;

const INSERT_ANOMALIES = `
INSERT INTO anomalies (tx_hash, model_version, anomaly_score, severity, confidence, features, explanation,
  detected_at, served)
SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::text[], $5::float8[], $6::jsonb[], $7::jsonb[],
  $8::timestamptz[], $9::bool[])
ON CONFLICT (tx_hash, model_version) DO NOTHING`;

/** Writes transactions, their predictions and (for anomalies) review rows, all or nothing. */
export async function recordScored(
  db: Database,
  batch: ScoredTransactionRecord[],
): Promise<RecordScoredResult> {
  if (batch.length === 0) return { transactions: 0, predictions: 0, anomalies: 0 };
  const rows = batch.map(normalise);
  const anomalies = rows.filter((row) => row.isAnomaly);
  return db.transaction(async (tx) => {
    const transactions = await tx.query(INSERT_TRANSACTIONS, [
      rows.map((row) => row.hash),
      rows.map((row) => row.blockNumber),
      rows.map((row) => row.blockSeconds),
      rows.map((row) => row.from),
      rows.map((row) => row.to),
      rows.map((row) => row.valueWei),
      rows.map((row) => row.gas),
      rows.map((row) => row.gasPriceWei),
      rows.map((row) => row.maxFeePerGasWei),
      rows.map((row) => row.maxPriorityFeePerGasWei),
      rows.map((row) => row.nonce),
      rows.map((row) => row.inputSize),
      rows.map((row) => row.selector),
      rows.map((row) => row.txType),
    ]);
    const predictions = await tx.query(INSERT_PREDICTIONS, [
      rows.map((row) => row.hash),
      rows.map((row) => row.modelVersion),
      rows.map((row) => row.anomalyScore),
      rows.map((row) => row.severity),
      rows.map((row) => row.isAnomaly),
      rows.map((row) => row.confidence),
      rows.map((row) => row.explanation),
      rows.map((row) => row.scoredAt),
      rows.map((row) => row.served),
    ]);
    const anomalyRows =
      anomalies.length === 0
        ? { rowCount: 0 }
        : await tx.query(INSERT_ANOMALIES, [
            anomalies.map((row) => row.hash),
            anomalies.map((row) => row.modelVersion),
            anomalies.map((row) => row.anomalyScore),
            anomalies.map((row) => row.severity),
            anomalies.map((row) => row.confidence),
            anomalies.map((row) => row.features),
            anomalies.map((row) => row.explanation),
            anomalies.map((row) => row.scoredAt),
            anomalies.map((row) => row.served),
          ]);
    return {
      transactions: transactions.rowCount,
      predictions: predictions.rowCount,
      anomalies: anomalyRows.rowCount,
    };
  });
}

interface NormalisedRecord {
  hash: string;
  blockNumber: number | null;
  blockSeconds: number | null;
  from: string | null;
  to: string | null;
  valueWei: string;
  gas: string;
  gasPriceWei: string;
  maxFeePerGasWei: string | null;
  maxPriorityFeePerGasWei: string | null;
  nonce: number | null;
  inputSize: number;
  selector: string | null;
  txType: number | null;
  modelVersion: string;
  anomalyScore: number;
  severity: string;
  isAnomaly: boolean;
  confidence: number;
  explanation: string;
  features: string | null;
  scoredAt: string;
  served: boolean;
}

/**
 * Checks in JS what the table constraints would reject, so one bad record fails with a typed error that
 * names it (and the queue discards the batch) rather than as a constraint violation retried forever.
 */
function normalise(record: ScoredTransactionRecord, index: number): NormalisedRecord {
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
    return typeof value === "bigint" && value >= 0n && value < 2n ** 256n ? value.toString() : fail(field);
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
  if (prediction.modelVersion.length === 0) fail("prediction.modelVersion");
  if (tx.timestamp !== null && !Number.isFinite(tx.timestamp)) fail("transaction.timestamp");
  if (tx.txType !== null && !(Number.isInteger(tx.txType) && tx.txType >= 0 && tx.txType <= 32_767)) {
    fail("transaction.txType");
  }
  const scoredAt = record.scoredAt ?? new Date();
  if (Number.isNaN(scoredAt.getTime())) fail("scoredAt");
  if (record.served !== undefined && typeof record.served !== "boolean") fail("served");
  return {
    hash,
    blockNumber: count(tx.blockNumber, "transaction.blockNumber"),
    blockSeconds: tx.timestamp,
    from: address(tx.from, "transaction.from"),
    to: address(tx.to, "transaction.to"),
    valueWei: wei(tx.valueWei, "transaction.valueWei") ?? fail("transaction.valueWei"),
    gas: wei(tx.gas, "transaction.gas") ?? fail("transaction.gas"),
    gasPriceWei: wei(tx.gasPriceWei, "transaction.gasPriceWei") ?? fail("transaction.gasPriceWei"),
    maxFeePerGasWei: wei(tx.maxFeePerGasWei, "transaction.maxFeePerGasWei"),
    maxPriorityFeePerGasWei: wei(tx.maxPriorityFeePerGasWei, "transaction.maxPriorityFeePerGasWei"),
    nonce: count(tx.nonce, "transaction.nonce"),
    inputSize,
    selector: inputSize >= SELECTOR_BYTES ? `0x${hex.slice(0, SELECTOR_BYTES * 2)}` : null,
    txType: tx.txType,
    modelVersion: prediction.modelVersion,
    anomalyScore: prediction.anomalyScore,
    severity: prediction.severity,
    isAnomaly: prediction.isAnomaly,
    confidence: prediction.confidence,
    explanation: JSON.stringify(prediction.explanation ?? []),
    features: record.features === undefined ? null : JSON.stringify(record.features),
    scoredAt: scoredAt.toISOString(),
    served: record.served ?? true,
  };
}
