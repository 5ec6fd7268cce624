export { type CountingDatabase, countingDatabase } from "./counting-database.ts";
export { randomAddress, randomHash, type ScoredRecordOverrides, scoredRecord } from "./fixtures.ts";
export { defineRepositorySuite } from "./repository-suite.ts";
