import { randomBytes } from "node:crypto";
import type { Alert } from "../src/alert.ts";
import { transactionLink } from "../src/alert.ts";

export const randomHash = () => `0x${randomBytes(32).toString("hex")}`;

export function testAlert(overrides: Partial<Alert> = {}): Alert {
  const hash = overrides.hash ?? randomHash();
  return {
    hash,
    chainId: 1,
    level: "high",
    riskScore: 0.9,
    anomalyScore: 0.8,
    modelVersion: "test-model",
    scoredAt: new Date().toISOString(),
    from: "0x1111111111111111111111111111111111111111",
    to: "0x2222222222222222222222222222222222222222",
    valueWei: "1000000000000000000",
    blockNumber: 100,
    reasons: [{ kind: "label", code: "deny_listed_recipient", message: "recipient is on a deny list" }],
    link: transactionLink("http://localhost:8080", hash),
    ...overrides,
  };
}
