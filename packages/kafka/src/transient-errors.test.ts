import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { isTransientKafkaError } from "./transient-errors.ts";

// The errors kafkajs itself builds from a broker's error code, so the test cannot drift from its names
// (an earlier version of this list used Kafka's protocol names, which kafkajs does not use: code 16 is
// NOT_COORDINATOR_FOR_GROUP there, and CI kept failing on it).
const require = createRequire(import.meta.url);
const { createErrorFromCode } = require("kafkajs/src/protocol/error.js") as {
  createErrorFromCode: (code: number) => Error;
};

describe("isTransientKafkaError", () => {
  it("recognises leader and coordinator elections by the broker's error code, also wrapped", () => {
    for (const code of [3, 5, 6, 14, 15, 16])
      expect(isTransientKafkaError(createErrorFromCode(code)), `code ${code}`).toBe(true);
    expect(isTransientKafkaError(new Error("retries ran out", { cause: createErrorFromCode(16) }))).toBe(
      true,
    );
  });

  it("leaves every other failure to the caller", () => {
    // MESSAGE_TOO_LARGE, INVALID_RECORD, TOPIC_AUTHORIZATION_FAILED, GROUP_AUTHORIZATION_FAILED
    for (const code of [10, 87, 29, 30])
      expect(isTransientKafkaError(createErrorFromCode(code)), `code ${code}`).toBe(false);
    expect(isTransientKafkaError(new Error("ECONNREFUSED"))).toBe(false);
  });
});
