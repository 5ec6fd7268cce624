import { createPgliteDatabase } from "./pglite-database.ts";
import { defineRepositorySuite } from "./testing/repository-suite.ts";

defineRepositorySuite("repositories on PGlite", () => createPgliteDatabase());
