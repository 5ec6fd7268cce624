import { randomBytes } from "node:crypto";
import type { ScoredTransactionRecord, Severity } from "../repositories/types.ts";

export function randomHash(): string {
  return `0x${randomBytes(32).toString("hex")}`;
}

export function randomAddress(): string {
  return `0x${randomBytes(20).toString("hex")}`;
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
}

/** A valid scored record; `isAnomaly` defaults to severity high or critical, like the scorer. */
export function scoredRecord(overrides: ScoredRecordOverrides = {}): ScoredTransactionRecord {
  const severity = overrides.severity ?? "low";
  return {
    transaction: {
      hash: overrides.hash ?? randomHash(),
      valueWei: overrides.valueWei ?? 1_000_000_000_000_000_000n,
      gas: 21_000n,
      gasPriceWei: 30_000_000_000n,
      maxFeePerGasWei: 40_000_000_000n,
      maxPriorityFeePerGasWei: 2_000_000_000n,
      from: randomAddress(),
      to: overrides.to === undefined ? randomAddress() : overrides.to,
      nonce: 7,
      input: overrides.input ?? "0x",
      blockNumber: 19_000_000,
      timestamp: 1_700_000_000,
      txType: 2,
    },
    prediction: {
      modelVersion: overrides.modelVersion ?? "iforest-1.0.0",
      anomalyScore: overrides.anomalyScore ?? 0.42,
      severity,
      isAnomaly: overrides.isAnomaly ?? (severity === "high" || severity === "critical"),
      confidence: 0.9,
      explanation: [{ feature: "value_eth", contribution: 0.3 }],
    },
    features: overrides.features ?? { value_eth: 1, gas_price_gwei: 30 },
    ...(overrides.scoredAt ? { scoredAt: overrides.scoredAt } : {}),
  };
}
