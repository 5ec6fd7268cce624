import { scratchPostgresDatabase } from "@chainwatch/store/testing";
import { describeWithServices } from "@chainwatch/testing";
import { defineOutboxSuite } from "./outbox-suite.ts";

await describeWithServices("alert outbox on PostgreSQL", ["postgres"], () => {
  defineOutboxSuite("repository", () => scratchPostgresDatabase("alerts_outbox"));
});
