import {
  AnomalyMessageSchema,
  type ConsumedMessage,
  decodeMessage,
  ScoreMessageSchema,
} from "@chainwatch/kafka";
import type { CorrectedPrediction } from "@chainwatch/store";
import { describe, expect, it } from "vitest";
import { correctionMessages } from "./output-messages.ts";

const TRIGGER = `0x${"7".repeat(64)}`;
const MEMBER = `0x${"1".repeat(64)}`;
const input = (offset: string): ConsumedMessage => ({
  topic: "tx-in",
  partition: 2,
  offset,
  key: null,
  value: null,
  timestamp: "0",
});

const corrected = (isAnomaly: boolean): CorrectedPrediction => ({
  hash: MEMBER,
  incidentId: "inc_7777777777777777",
  modelVersion: "if-1",
  contentFingerprint: null,
  isAnomaly,
  wasAnomaly: false,
  riskScore: 0.62,
  riskLevel: "critical",
  reasons: [
    {
      kind: "context",
      code: "part_of_incident",
      message: "part of incident inc_7777777777777777",
      surprise: 4.2,
      data: { incidentId: "inc_7777777777777777", triggerHash: TRIGGER },
    },
  ],
  anomalyScore: 0.41,
  severity: "low",
  confidence: 0.8,
  explanation: [],
  features: { value_eth: 0.1 },
  transaction: {
    from: `0x${"a".repeat(40)}`,
    to: `0x${"b".repeat(40)}`,
    valueWei: "100000000000000000",
    gas: "21000",
    gasPriceWei: "25000000000",
    blockNumber: 12,
    timestamp: 1_750_000_000,
  },
});

describe("incident correction messages", () => {
  it("publishes the corrected verdict on scores and anomalies, sourced at the trigger's input", () => {
    const byHash = new Map([[TRIGGER, input("41")]]);
    const { scores, anomalies } = correctionMessages(
      [corrected(true)],
      byHash,
      input("40"),
      new Date("2026-12-07T07:30:00.000Z"),
    );
    expect(scores.map((message) => message.key)).toEqual([MEMBER]);
    const score = decodeMessage(ScoreMessageSchema, Buffer.from(scores[0]?.value as string));
    expect(score.ok && score.message).toMatchObject({
      hash: MEMBER,
      isAnomaly: true,
      riskScore: 0.62,
      riskLevel: "critical",
      scoredAt: "2026-12-07T07:30:00.000Z",
      source: { topic: "tx-in", partition: 2, offset: "41" },
      correction: { incidentId: "inc_7777777777777777", triggerHash: TRIGGER },
    });
    const anomaly = decodeMessage(AnomalyMessageSchema, Buffer.from(anomalies[0]?.value as string));
    expect(anomaly.ok && anomaly.message.transaction.valueWei).toBe("100000000000000000");
    expect(anomaly.ok && anomaly.message.features).toEqual({ value_eth: 0.1 });
  });

  it("sends a correction that does not flag to scores only, sourced at the chunk's first input", () => {
    const { scores, anomalies } = correctionMessages([corrected(false)], new Map(), input("40"), new Date(0));
    expect(anomalies).toEqual([]);
    const score = decodeMessage(ScoreMessageSchema, Buffer.from(scores[0]?.value as string));
    expect(score.ok && score.message.source.offset).toBe("40");
  });
});
