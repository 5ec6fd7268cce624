import { describe, expect, it } from "vitest";
import { isTransientKafkaError } from "./transient-errors.ts";

const kafkaError = (type: string, retriable = true) => Object.assign(new Error(type), { type, retriable });

describe("isTransientKafkaError", () => {
  it("recognises leader and coordinator elections, also wrapped, and nothing else", () => {
    expect(isTransientKafkaError(kafkaError("NOT_COORDINATOR"))).toBe(true);
    expect(isTransientKafkaError(kafkaError("LEADER_NOT_AVAILABLE"))).toBe(true);
    expect(
      isTransientKafkaError(new Error("retries ran out", { cause: kafkaError("NOT_LEADER_FOR_PARTITION") })),
    ).toBe(true);
    expect(isTransientKafkaError(kafkaError("MESSAGE_TOO_LARGE", false))).toBe(false);
    expect(isTransientKafkaError(kafkaError("TOPIC_AUTHORIZATION_FAILED", false))).toBe(false);
    expect(isTransientKafkaError(new Error("ECONNREFUSED"))).toBe(false);
  });
});
