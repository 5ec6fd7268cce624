import { createPgliteDatabase } from "./pglite-database.ts";
import { defineDriftReportsSuite } from "./testing/drift-reports-suite.ts";
import { defineModelRegistrySuite } from "./testing/model-registry-suite.ts";

defineModelRegistrySuite("model registry on PGlite", () => createPgliteDatabase());
defineDriftReportsSuite("drift reports on PGlite", () => createPgliteDatabase());
