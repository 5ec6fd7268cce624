import { createPgliteDatabase } from "./pglite-database.ts";
import { defineModelRegistrySuite } from "./testing/model-registry-suite.ts";

defineModelRegistrySuite("model registry on PGlite", () => createPgliteDatabase());
