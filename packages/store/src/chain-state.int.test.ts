import { describeWithServices } from "@chainwatch/testing";
import { defineChainStateSuite } from "./testing/chain-state-suite.ts";
import { scratchPostgresDatabase } from "./testing/scratch-database.ts";

await describeWithServices("chain follower state on PostgreSQL", ["postgres"], () => {
  defineChainStateSuite("chain follower state on PostgreSQL", () => scratchPostgresDatabase("cw_chain"));
});
