import { scratchPostgresDatabase } from "@chainwatch/store/testing";
import { describeWithServices } from "@chainwatch/testing";
import { defineShippedListsSuite } from "./testing/shipped-lists-suite.ts";

await describeWithServices("shipped lists on PostgreSQL", ["postgres"], () => {
  defineShippedListsSuite("shipped lists seeded into PostgreSQL", () =>
    scratchPostgresDatabase("cw_shipped"),
  );
});
