import { describeWithServices } from "@chainwatch/testing";
import { defineAnomalyFilterSuite } from "./testing/anomaly-filter-suite.ts";
import { defineContentConflictSuite } from "./testing/content-conflict-suite.ts";
import { defineIncidentSuite } from "./testing/incident-suite.ts";
import { defineRepositorySuite } from "./testing/repository-suite.ts";
import { scratchPostgresDatabase } from "./testing/scratch-database.ts";

await describeWithServices("repositories on PostgreSQL", ["postgres"], () => {
  defineRepositorySuite("repositories on PostgreSQL", () => scratchPostgresDatabase("cw_store"));
  defineContentConflictSuite("content conflicts on PostgreSQL", () => scratchPostgresDatabase("cw_conflict"));
  defineIncidentSuite("incident corrections on PostgreSQL", () => scratchPostgresDatabase("cw_incident"));
  defineAnomalyFilterSuite("anomaly filters on PostgreSQL", () =>
    scratchPostgresDatabase("cw_anomaly_filter"),
  );
});
