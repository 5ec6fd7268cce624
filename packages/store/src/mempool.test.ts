import { createPgliteDatabase } from "./pglite-database.ts";
import { defineMempoolSuite } from "./testing/mempool-suite.ts";

defineMempoolSuite("mempool mode on PGlite", () => createPgliteDatabase());
