import { describeWithServices } from "@chainwatch/testing";
import { defineLabelsSuite } from "./testing/labels-suite.ts";
import { scratchPostgresDatabase } from "./testing/scratch-database.ts";

await describeWithServices("address lists and labels on PostgreSQL", ["postgres"], () => {
  defineLabelsSuite("address lists and labels on PostgreSQL", () => scratchPostgresDatabase("cw_labels"));
});
