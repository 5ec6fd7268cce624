import { describeWithServices } from "@chainwatch/testing";
import { defineCheapChecksSuite } from "./testing/cheap-checks-suite.ts";
import { scratchPostgresDatabase } from "./testing/scratch-database.ts";

await describeWithServices("migration 0014 on PostgreSQL", ["postgres"], () => {
  defineCheapChecksSuite("migration 0014: format checks without regexes (PostgreSQL)", () =>
    scratchPostgresDatabase("cw_checks"),
  );
});
