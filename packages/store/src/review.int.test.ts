import { describeWithServices } from "@chainwatch/testing";
import { defineReviewSuite } from "./testing/review-suite.ts";
import { scratchPostgresDatabase } from "./testing/scratch-database.ts";

await describeWithServices("the review loop's store on PostgreSQL", ["postgres"], () => {
  defineReviewSuite("the review loop's store on PostgreSQL", () => scratchPostgresDatabase("cw_review"));
});
