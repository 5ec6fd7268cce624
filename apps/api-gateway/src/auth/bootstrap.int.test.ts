import { scratchPostgresDatabase } from "@chainwatch/store/testing";
import { describeWithServices } from "@chainwatch/testing";
import { defineBootstrapSuite } from "../testing/bootstrap-suite.ts";

await describeWithServices("first-start admin key (real PostgreSQL)", ["postgres"], () => {
  defineBootstrapSuite("PostgreSQL", () => scratchPostgresDatabase("cw_bootstrap"));
});
