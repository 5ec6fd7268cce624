import { createPgliteDatabase } from "./pglite-database.ts";
import { defineAnomalyFilterSuite } from "./testing/anomaly-filter-suite.ts";
import { defineContentConflictSuite } from "./testing/content-conflict-suite.ts";
import { defineRepositorySuite } from "./testing/repository-suite.ts";

defineRepositorySuite("repositories on PGlite", () => createPgliteDatabase());
defineContentConflictSuite("content conflicts on PGlite", () => createPgliteDatabase());
defineAnomalyFilterSuite("anomaly filters on PGlite", () => createPgliteDatabase());
