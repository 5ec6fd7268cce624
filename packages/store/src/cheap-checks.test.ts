import { createPgliteDatabase } from "./pglite-database.ts";
import { defineCheapChecksSuite } from "./testing/cheap-checks-suite.ts";

defineCheapChecksSuite("migration 0014: format checks without regexes (PGlite)", createPgliteDatabase);
