import { createPgliteDatabase } from "./pglite-database.ts";
import { defineLabelsSuite } from "./testing/labels-suite.ts";

defineLabelsSuite("address lists and labels on PGlite", () => createPgliteDatabase());
