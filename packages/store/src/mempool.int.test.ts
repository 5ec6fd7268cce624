import { describeWithServices } from "@chainwatch/testing";
import { defineMempoolSuite } from "./testing/mempool-suite.ts";
import { scratchPostgresDatabase } from "./testing/scratch-database.ts";

await describeWithServices("mempool mode on PostgreSQL", ["postgres"], () => {
  defineMempoolSuite("mempool mode on PostgreSQL", () => scratchPostgresDatabase("cw_mempool"));
});
