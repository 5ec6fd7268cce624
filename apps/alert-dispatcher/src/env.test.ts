import { describe, expect, it } from "vitest";
import { loadEnv } from "./env.ts";

describe("alert dispatcher env", () => {
  it("has working defaults: its own consumer group, the anomalies topic, 24 h maximum age", () => {
    const env = loadEnv({});
    expect(env.KAFKA_ALERT_GROUP_ID).toBe("chainwatch-alerts");
    expect(env.KAFKA_TOPIC_ANOMALIES).toBe("chainwatch.anomalies.v1");
    expect(env.ALERT_MAX_AGE_HOURS).toBe(24);
    expect(env.ALERT_ALLOW_PRIVATE_TARGETS).toBe(false);
    expect(env.ALERT_SECRET_KEY).toBeUndefined();
    expect(env.HEALTH_PORT).toBe(9467);
  });

  it("coerces numbers and booleans and refuses a heartbeat above a third of the session", () => {
    const env = loadEnv({ ALERT_ALLOW_PRIVATE_TARGETS: "true", ALERT_BATCH_SIZE: "50" });
    expect(env.ALERT_ALLOW_PRIVATE_TARGETS).toBe(true);
    expect(env.ALERT_BATCH_SIZE).toBe(50);
    expect(() => loadEnv({ KAFKA_SESSION_TIMEOUT_MS: "6000", KAFKA_HEARTBEAT_INTERVAL_MS: "3000" })).toThrow(
      /KAFKA_HEARTBEAT_INTERVAL_MS/,
    );
    expect(() => loadEnv({ ALERT_LINK_BASE_URL: "not a url" })).toThrow(/ALERT_LINK_BASE_URL/);
  });
});

describe("alert secret keys", () => {
  it("accepts a 32-byte key as base64 or hex, treats an empty one as unset, and names a bad one", () => {
    expect(loadEnv({ ALERT_SECRET_KEY: Buffer.alloc(32, 1).toString("base64") }).ALERT_SECRET_KEY).toBe(
      "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",
    );
    expect(loadEnv({ ALERT_SECRET_KEY: "ab".repeat(32) }).ALERT_SECRET_KEY).toBe("ab".repeat(32));
    expect(loadEnv({ ALERT_SECRET_KEY: "" }).ALERT_SECRET_KEY).toBeUndefined();
    expect(() => loadEnv({ ALERT_SECRET_KEY: "REPLACE_ME" })).toThrow(/ALERT_SECRET_KEY/);
    expect(() => loadEnv({ ALERT_SECRET_KEY_PREVIOUS: `${"ab".repeat(32)},short` })).toThrow(
      /ALERT_SECRET_KEY_PREVIOUS/,
    );
  });
});
