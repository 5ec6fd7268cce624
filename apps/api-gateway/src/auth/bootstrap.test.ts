import { createPgliteDatabase } from "@chainwatch/store";
import { defineBootstrapSuite } from "../testing/bootstrap-suite.ts";

defineBootstrapSuite("PGlite", () => createPgliteDatabase());
