import { describe, expect, it } from "vitest";
import {
  AnomalyMessageSchema,
  DeadLetterMessageSchema,
  decodeMessage,
  decodeTransactionMessage,
  encodeMessage,
  inputMessageKey,
  ScoreMessageSchema,
  TransactionMessageSchema,
  transactionKey,
} from "./messages.ts";

const bytes = (text: string) => Buffer.from(text, "utf8");
const envelope = {
  schemaVersion: 1,
  transaction: { hash: `0x${"a".repeat(64)}`, value: 1, gas: 21_000, gasPrice: 20 },
  source: "api",
  publishedAt: "2026-01-31T10:00:00.000Z",
};

describe("stream message formats", () => {
  it("decodes a v1 transaction message and ignores fields it does not know", () => {
    const decoded = decodeTransactionMessage(bytes(encodeMessage({ ...envelope, futureField: true })));
    expect(decoded).toEqual({ ok: true, message: envelope });
  });

  it("classifies poison values: empty, not UTF-8 and not JSON are invalid_json", () => {
    expect(decodeTransactionMessage(null)).toMatchObject({ ok: false, reason: "invalid_json" });
    expect(decodeTransactionMessage(Buffer.alloc(0))).toMatchObject({ ok: false, reason: "invalid_json" });
    expect(decodeTransactionMessage(Buffer.from([0xff, 0xfe, 0x7b]))).toMatchObject({
      ok: false,
      reason: "invalid_json",
      error: "value is not valid UTF-8",
    });
    expect(decodeTransactionMessage(bytes("{not json"))).toMatchObject({ ok: false, reason: "invalid_json" });
  });

  it("classifies JSON that is not a v1 envelope as schema_invalid, naming the fields", () => {
    const wrongVersion = decodeTransactionMessage(bytes(encodeMessage({ ...envelope, schemaVersion: 2 })));
    expect(wrongVersion).toMatchObject({ ok: false, reason: "schema_invalid" });
    // An envelope without its version (it has `transaction`) is not a bare transaction.
    const unversioned = decodeTransactionMessage(
      bytes(encodeMessage({ transaction: envelope.transaction, source: "x" })),
    );
    expect(unversioned.ok).toBe(false);
    if (!unversioned.ok) expect(unversioned.issues?.map((issue) => issue.path)).toContain("schemaVersion");
    expect(decodeTransactionMessage(bytes("[1,2]"))).toMatchObject({ ok: false, reason: "schema_invalid" });
    expect(decodeTransactionMessage(bytes('"0xabc"'))).toMatchObject({ ok: false, reason: "schema_invalid" });
  });

  it("reads a bare transaction (no envelope) as that transaction, source bare, published at the message time", () => {
    const bare = decodeTransactionMessage(bytes(encodeMessage(envelope.transaction)), {
      timestamp: "1769853600000",
    });
    expect(bare).toEqual({
      ok: true,
      message: {
        schemaVersion: 1,
        transaction: envelope.transaction,
        source: "bare",
        publishedAt: "2026-01-31T10:00:00.000Z",
      },
    });
    // Any plain object without the envelope's keys; the transaction itself is validated later, as always.
    const odd = decodeTransactionMessage(bytes('{"hash":"0x1"}'), { timestamp: "" });
    expect(odd.ok && odd.message.transaction).toEqual({ hash: "0x1" });
    expect(odd.ok && TransactionMessageSchema.safeParse(odd.message).success).toBe(true);
  });

  it("decodes transaction messages exactly as the schema does, edge cases included", () => {
    const cases: unknown[] = [
      envelope,
      { ...envelope, requestId: "req-1" },
      { ...envelope, requestId: "r".repeat(129) },
      { ...envelope, requestId: 7 },
      { ...envelope, source: "" },
      { ...envelope, source: "s".repeat(64) },
      { ...envelope, source: "s".repeat(65) },
      { ...envelope, publishedAt: "2026-01-31T10:00:00+02:00" },
      { ...envelope, publishedAt: "2026-01-31 10:00" },
      { ...envelope, publishedAt: "2026-01-31T10:00:00.000Z", extra: { nested: true } },
      { ...envelope, transaction: [] },
      { ...envelope, transaction: null },
      { ...envelope, transaction: "0xabc" },
      { ...envelope, transaction: {} },
      { ...envelope, schemaVersion: "1" },
      null,
      42,
      "text",
    ];
    const raw = [...cases.map((value) => encodeMessage({ value }).slice(9, -1)), '{"__proto__":{"x":1}}'];
    raw.push(
      `{"schemaVersion":1,"transaction":{"__proto__":{"hash":"0x1"}},"source":"api","publishedAt":"${envelope.publishedAt}"}`,
    );
    for (const text of raw) {
      // twice: the second pass goes through the remembered publishedAt
      for (let pass = 0; pass < 2; pass++) {
        expect(decodeTransactionMessage(bytes(text)), text).toEqual(
          decodeMessage(TransactionMessageSchema, bytes(text)),
        );
      }
    }
  });

  it("keys every output message about a transaction by its lower-case hash", () => {
    expect(transactionKey(`0x${"AB".repeat(32)}`)).toBe(`0x${"ab".repeat(32)}`);
  });

  it("keys an input message by its lower-case sender, by its lower-case hash without a valid one", () => {
    const hash = "0xAAAA000000000000000000000000000000000000000000000000000000000001";
    expect(inputMessageKey({ hash, from: "0xC0FFEE0000000000000000000000000000000001" })).toBe(
      "0xc0ffee0000000000000000000000000000000001",
    );
    const byHash = "0xaaaa000000000000000000000000000000000000000000000000000000000001";
    expect(inputMessageKey({ hash })).toBe(byHash);
    expect(inputMessageKey({ hash, from: null })).toBe(byHash);
    expect(inputMessageKey({ hash, from: "" })).toBe(byHash);
    expect(inputMessageKey({ hash, from: "0xc0ffee" })).toBe(byHash);
    expect(inputMessageKey({ hash, from: "0xg0ffee0000000000000000000000000000000001" })).toBe(byHash);
  });

  it("validates the output formats consumers read", () => {
    const score = {
      schemaVersion: 1,
      hash: `0x${"a".repeat(64)}`,
      modelVersion: "iforest-1",
      isAnomaly: true,
      anomalyScore: 0.8,
      severity: "high",
      confidence: 0.9,
      explanation: [{ feature: "value_eth", value: 3, contribution: 0.2, reason: "value 3 ETH" }],
      scoredAt: "2026-01-31T10:00:00.000Z",
      source: { topic: "t", partition: 1, offset: "7" },
    };
    const anomaly = {
      ...score,
      transaction: {
        from: null,
        to: null,
        valueWei: "1",
        gas: "21000",
        gasPriceWei: "2",
        blockNumber: null,
        timestamp: null,
      },
      features: { value_eth: 3 },
    };
    expect(decodeMessage(AnomalyMessageSchema, bytes(encodeMessage(anomaly))).ok).toBe(true);
    // The combined verdict (issue #17): optional, so messages written before it still read.
    const verdict = {
      riskScore: 0.62,
      riskLevel: "critical",
      reasons: [
        {
          kind: "context",
          code: "sender_burst",
          message: "14 transactions in 60 s; this sender usually sends 0.2",
          surprise: 4.1,
          data: { count: 14, expected: 0.2, windowSeconds: 60, isHot: false, label: null },
        },
        { kind: "model", code: "a_code_added_later", message: "m", surprise: 0, data: {} },
      ],
    };
    expect(decodeMessage(ScoreMessageSchema, bytes(encodeMessage({ ...score, ...verdict })))).toEqual({
      ok: true,
      message: { ...score, ...verdict },
    });
    expect(decodeMessage(AnomalyMessageSchema, bytes(encodeMessage({ ...anomaly, ...verdict }))).ok).toBe(
      true,
    );
    expect(decodeMessage(ScoreMessageSchema, bytes(encodeMessage({ ...score, riskScore: 1.5 }))).ok).toBe(
      false,
    );
    expect(
      decodeMessage(ScoreMessageSchema, bytes(encodeMessage({ ...score, riskLevel: "severe" }))).ok,
    ).toBe(false);
    expect(
      decodeMessage(AnomalyMessageSchema, bytes(encodeMessage({ ...anomaly, isAnomaly: false }))).ok,
    ).toBe(false);
    const deadLetter = {
      schemaVersion: 1,
      reason: "invalid_json",
      error: "value is not JSON",
      original: {
        topic: "t",
        partition: 0,
        offset: "3",
        timestamp: "1700000000000",
        key: null,
        value: "{x",
        valueEncoding: "utf8",
      },
      consumerGroup: "g",
      failedAt: "2026-01-31T10:00:00.000Z",
    };
    expect(DeadLetterMessageSchema.safeParse(deadLetter).success).toBe(true);
    expect(DeadLetterMessageSchema.safeParse({ ...deadLetter, reason: "other" }).success).toBe(false);
  });
});
