import { createPgliteDatabase } from "./pglite-database.ts";
import { defineReviewSuite } from "./testing/review-suite.ts";

defineReviewSuite("the review loop's store on PGlite", () => createPgliteDatabase());
