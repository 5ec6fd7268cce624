import { KafkaJSAggregateError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from "kafkajs";
import { describe, expect, it } from "vitest";
import { isTransientTopicError, retryTransient } from "./testing.ts";

/** What kafkajs builds from a broker error code (protocol/error.js), e.g. code 6. */
function protocolError(type: string, retriable: boolean): KafkaJSProtocolError {
  // The runtime constructor takes the error-code entry; the typings only declare Error | string.
  const entry = { type, retriable, code: 6, message: `broker says ${type}` };
  return new KafkaJSProtocolError(entry as unknown as Error);
}

describe("isTransientTopicError", () => {
  it("accepts the errors of a partition whose leader is not serving yet, also wrapped by kafkajs", () => {
    for (const type of ["NOT_LEADER_FOR_PARTITION", "LEADER_NOT_AVAILABLE", "UNKNOWN_TOPIC_OR_PARTITION"]) {
      expect(isTransientTopicError(protocolError(type, true))).toBe(true);
    }
    const exhausted = new KafkaJSNumberOfRetriesExceeded(protocolError("NOT_LEADER_FOR_PARTITION", true), {
      retryCount: 5,
      retryTime: 3_000,
    });
    expect(isTransientTopicError(exhausted)).toBe(true);
    const aggregate = new KafkaJSAggregateError("two partitions", [
      protocolError("LEADER_NOT_AVAILABLE", true),
      protocolError("NOT_LEADER_FOR_PARTITION", true),
    ]);
    expect(isTransientTopicError(aggregate)).toBe(true);
  });

  it("rejects everything else: other types, non-retriable ones, aggregates with a real failure, non-errors", () => {
    expect(isTransientTopicError(protocolError("TOPIC_AUTHORIZATION_FAILED", false))).toBe(false);
    expect(isTransientTopicError(protocolError("REQUEST_TIMED_OUT", true))).toBe(false);
    expect(isTransientTopicError(protocolError("NOT_LEADER_FOR_PARTITION", false))).toBe(false);
    expect(
      isTransientTopicError(
        new KafkaJSAggregateError("mixed", [
          protocolError("LEADER_NOT_AVAILABLE", true),
          protocolError("INVALID_PARTITIONS", false),
        ]),
      ),
    ).toBe(false);
    expect(isTransientTopicError(new Error("boom"))).toBe(false);
    expect(isTransientTopicError("NOT_LEADER_FOR_PARTITION")).toBe(false);
    expect(isTransientTopicError(undefined)).toBe(false);
  });
});

describe("retryTransient", () => {
  it("retries transient errors until the operation succeeds", async () => {
    let calls = 0;
    const value = await retryTransient(
      "offsets",
      async () => {
        calls += 1;
        if (calls < 3) throw protocolError("NOT_LEADER_FOR_PARTITION", true);
        return "ok";
      },
      { intervalMs: 1 },
    );
    expect({ value, calls }).toEqual({ value: "ok", calls: 3 });
  });

  it("throws any other error at once", async () => {
    let calls = 0;
    const failure = protocolError("TOPIC_AUTHORIZATION_FAILED", false);
    const caught = await retryTransient(
      "offsets",
      async () => {
        calls += 1;
        throw failure;
      },
      { intervalMs: 1 },
    ).catch((error: unknown) => error);
    expect(caught).toBe(failure);
    expect(calls).toBe(1);
  });

  it("gives up after its bound with the last transient error as the cause", async () => {
    const last = protocolError("LEADER_NOT_AVAILABLE", true);
    let calls = 0;
    const caught = await retryTransient(
      "offsets",
      async () => {
        calls += 1;
        throw last;
      },
      { timeoutMs: 30, intervalMs: 5 },
    ).catch((error: unknown) => error);
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).message).toMatch(/^offsets: still failing after \d+ attempts in 30 ms$/);
    expect((caught as Error).cause).toBe(last);
    expect(calls).toBeGreaterThan(1);
  });
});
