import { randomBytes } from "node:crypto";
import type { AnomalyMessage } from "@chainwatch/kafka/formats";

/** An anomalies-topic message as a scoring worker writes it, with a fresh hash and `scoredAt` now. */
export function anomalyMessage(overrides: Partial<AnomalyMessage> = {}): AnomalyMessage {
  return {
    schemaVersion: 1,
    hash: `0x${randomBytes(32).toString("hex")}`,
    modelVersion: "test-model",
    isAnomaly: true,
    riskScore: 0.91,
    riskLevel: "high",
    reasons: [
      {
        kind: "label",
        code: "deny_listed_recipient",
        message: "recipient is on a deny list",
        surprise: 5,
        data: {},
      },
    ],
    anomalyScore: 0.8,
    severity: "high",
    confidence: 0.6,
    explanation: [],
    scoredAt: new Date().toISOString(),
    source: { topic: "chainwatch.transactions.v1", partition: 0, offset: "0" },
    transaction: {
      from: `0x${randomBytes(20).toString("hex")}`,
      to: `0x${randomBytes(20).toString("hex")}`,
      valueWei: "1000000000000000000",
      gas: "21000",
      gasPriceWei: "1000000000",
      blockNumber: 1,
      timestamp: null,
    },
    features: {},
    ...overrides,
  };
}
