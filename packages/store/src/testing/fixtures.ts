import { createHash, randomBytes } from "node:crypto";
import type {
  RecordOrigin,
  ScoredTransactionRecord,
  Severity,
  TransactionRecordInput,
} from "../repositories/types.ts";

export function randomHash(): string {
  return `0x${randomBytes(32).toString("hex")}`;
}

export function randomAddress(): string {
  return `0x${randomBytes(20).toString("hex")}`;
}

/** An address derived from a hash, so records built for one hash share their content by default. */
function addressOf(hash: string, role: string): string {
  return `0x${createHash("sha256").update(`${hash.toLowerCase()}:${role}`).digest("hex").slice(0, 40)}`;
}

/**
 * A stand-in for @chainwatch/model `contentFingerprint` (the store does not depend on the model package and
 * treats fingerprints as opaque): SHA-256 over the fields, base64url, the same 43-character form.
 */
export function fixtureFingerprint(tx: TransactionRecordInput): string {
  const fields = [
    tx.hash.toLowerCase(),
    tx.valueWei,
    tx.gas,
    tx.gasPriceWei,
    tx.maxFeePerGasWei,
    tx.maxPriorityFeePerGasWei,
    tx.from,
    tx.to,
    tx.nonce,
    tx.input.toLowerCase(),
    tx.blockNumber,
    tx.timestamp,
    tx.txType,
  ].map((field) => (typeof field === "bigint" ? field.toString() : field));
  return createHash("sha256").update(JSON.stringify(fields)).digest("base64url");
}

export interface ScoredRecordOverrides {
  hash?: string;
  valueWei?: bigint;
  input?: string;
  to?: string | null;
  modelVersion?: string;
  severity?: Severity;
  isAnomaly?: boolean;
  anomalyScore?: number;
  scoredAt?: Date;
  features?: Record<string, number>;
  origin?: RecordOrigin;
  /** Instead of the stand-in computed from the fields. */
  contentFingerprint?: string;
}

/**
 * A valid scored record; `isAnomaly` defaults to severity high or critical, like the scorer. Records for the
 * same hash have the same content (and fingerprint) unless an override changes a field.
 */
export function scoredRecord(overrides: ScoredRecordOverrides = {}): ScoredTransactionRecord {
  const severity = overrides.severity ?? "low";
  const hash = overrides.hash ?? randomHash();
  const transaction: TransactionRecordInput = {
    hash,
    valueWei: overrides.valueWei ?? 1_000_000_000_000_000_000n,
    gas: 21_000n,
    gasPriceWei: 30_000_000_000n,
    maxFeePerGasWei: 40_000_000_000n,
    maxPriorityFeePerGasWei: 2_000_000_000n,
    from: addressOf(hash, "from"),
    to: overrides.to === undefined ? addressOf(hash, "to") : overrides.to,
    nonce: 7,
    input: overrides.input ?? "0x",
    blockNumber: 19_000_000,
    timestamp: 1_700_000_000,
    txType: 2,
  };
  return {
    transaction,
    contentFingerprint: overrides.contentFingerprint ?? fixtureFingerprint(transaction),
    prediction: {
      modelVersion: overrides.modelVersion ?? "iforest-1.0.0",
      anomalyScore: overrides.anomalyScore ?? 0.42,
      severity,
      isAnomaly: overrides.isAnomaly ?? (severity === "high" || severity === "critical"),
      confidence: 0.9,
      explanation: [{ feature: "value_eth", contribution: 0.3 }],
      riskScore: severity === "critical" ? 0.7 : severity === "high" ? 0.55 : 0.2,
      riskLevel: severity,
      reasons: [{ kind: "model", code: "model_outlier", message: "m", surprise: 1.2, data: {} }],
    },
    features: overrides.features ?? { value_eth: 1, gas_price_gwei: 30 },
    ...(overrides.scoredAt ? { scoredAt: overrides.scoredAt } : {}),
    ...(overrides.origin ? { origin: overrides.origin } : {}),
  };
}
