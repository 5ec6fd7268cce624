import { createPgliteDatabase } from "./pglite-database.ts";
import { defineIncidentSuite } from "./testing/incident-suite.ts";

defineIncidentSuite("incident corrections on PGlite", () => createPgliteDatabase());
