import { describeWithServices } from "@chainwatch/testing";
import { defineRepositorySuite } from "./testing/repository-suite.ts";
import { scratchPostgresDatabase } from "./testing/scratch-database.ts";

await describeWithServices("repositories on PostgreSQL", ["postgres"], () => {
  defineRepositorySuite("repositories on PostgreSQL", () => scratchPostgresDatabase("cw_store"));
});
