import { createPgliteDatabase } from "./pglite-database.ts";
import { defineContentConflictSuite } from "./testing/content-conflict-suite.ts";
import { defineRepositorySuite } from "./testing/repository-suite.ts";

defineRepositorySuite("repositories on PGlite", () => createPgliteDatabase());
defineContentConflictSuite("content conflicts on PGlite", () => createPgliteDatabase());
