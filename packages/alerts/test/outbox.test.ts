import { createPgliteDatabase } from "@chainwatch/store";
import { defineOutboxSuite } from "./outbox-suite.ts";

defineOutboxSuite("alert outbox on PGlite", () => createPgliteDatabase());
