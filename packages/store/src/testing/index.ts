// The threaded PGlite with its Worker exposed, for tests that kill the thread.
export { type PgliteThread, startPgliteThread } from "../pglite-thread-database.ts";
export { defineChainStateSuite } from "./chain-state-suite.ts";
export { type CountingDatabase, countingDatabase } from "./counting-database.ts";
export {
  fixtureFingerprint,
  randomAddress,
  randomHash,
  type ScoredRecordOverrides,
  scoredRecord,
} from "./fixtures.ts";
export { defineLabelsSuite } from "./labels-suite.ts";
export { defineModelRegistrySuite } from "./model-registry-suite.ts";
export { defineRepositorySuite } from "./repository-suite.ts";
export { scratchPostgresDatabase } from "./scratch-database.ts";
