import { createPgliteDatabase } from "./pglite-database.ts";
import { defineChainStateSuite } from "./testing/chain-state-suite.ts";

defineChainStateSuite("chain follower state on PGlite", () => createPgliteDatabase());
