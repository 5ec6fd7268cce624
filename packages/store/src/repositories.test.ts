import { createPgliteDatabase } from "./pglite-database.ts";
import { createThreadedPgliteDatabase } from "./pglite-thread-database.ts";
import { defineAnomalyFilterSuite } from "./testing/anomaly-filter-suite.ts";
import { defineContentConflictSuite } from "./testing/content-conflict-suite.ts";
import { defineRepositorySuite } from "./testing/repository-suite.ts";

defineRepositorySuite("repositories on PGlite", () => createPgliteDatabase());
defineContentConflictSuite("content conflicts on PGlite", () => createPgliteDatabase());
defineAnomalyFilterSuite("anomaly filters on PGlite", () => createPgliteDatabase());

// The gateway's embedded default runs PGlite in a worker thread: the same suites through that driver.
defineRepositorySuite("repositories on PGlite in a worker thread", () => createThreadedPgliteDatabase());
defineContentConflictSuite("content conflicts on PGlite in a worker thread", () =>
  createThreadedPgliteDatabase(),
);
defineAnomalyFilterSuite("anomaly filters on PGlite in a worker thread", () =>
  createThreadedPgliteDatabase(),
);
