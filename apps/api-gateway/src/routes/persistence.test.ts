import { createPgliteDatabase } from "@chainwatch/store";
import { definePersistenceRouteSuite } from "../testing/persistence-suite.ts";

definePersistenceRouteSuite("persistence routes on the embedded database (PGlite)", () =>
  createPgliteDatabase(),
);
