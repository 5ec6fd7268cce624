import { readFileSync } from "node:fs";
import { ConfigError } from "@chainwatch/service-kit";
import { describe, expect, it } from "vitest";
import { loadEnv, renderFollowerEnvExample } from "./env.ts";

describe("chain follower env", () => {
  it("needs the chain: CHAIN_RPC_URL and CHAIN_ID", () => {
    expect(() => loadEnv({})).toThrow(ConfigError);
    expect(() => loadEnv({ CHAIN_RPC_URL: "http://127.0.0.1:8545" })).toThrow(
      "CHAIN_ID is required when CHAIN_RPC_URL is set",
    );
  });

  it("has the documented defaults", () => {
    expect(loadEnv({ CHAIN_RPC_URL: "http://127.0.0.1:8545", CHAIN_ID: "1" })).toMatchObject({
      CHAIN_RPC_URL: ["http://127.0.0.1:8545"],
      CHAIN_ID: 1,
      CONFIRMATIONS: 0,
      CHAIN_POLL_INTERVAL_MS: 1_000,
      CHAIN_REORG_WINDOW_BLOCKS: 128,
      CHAIN_START_BLOCK: "head",
      HEALTH_PORT: 9466,
      KAFKA_BROKERS: "127.0.0.1:9092",
      KAFKA_TOPIC_TRANSACTIONS: "chainwatch.transactions.v1",
      KAFKA_TOPIC_RETRACTIONS: "chainwatch.retractions.v1",
    });
  });

  it("commits the .env.example rendered from the schema", () => {
    const committed = readFileSync(new URL("../.env.example", import.meta.url), "utf8");
    expect(committed).toBe(renderFollowerEnvExample());
  });
});
