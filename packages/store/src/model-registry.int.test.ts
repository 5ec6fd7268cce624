import { describeWithServices } from "@chainwatch/testing";
import { defineDriftReportsSuite } from "./testing/drift-reports-suite.ts";
import { defineModelRegistrySuite } from "./testing/model-registry-suite.ts";
import { scratchPostgresDatabase } from "./testing/scratch-database.ts";

await describeWithServices("model registry and drift reports on PostgreSQL", ["postgres"], () => {
  defineModelRegistrySuite("model registry on PostgreSQL", () => scratchPostgresDatabase("cw_registry"));
  defineDriftReportsSuite("drift reports on PostgreSQL", () => scratchPostgresDatabase("cw_drift"));
});
