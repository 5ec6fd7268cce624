import { describeWithServices, serviceUrls, uniqueName } from "@chainwatch/testing";
import type { Database } from "./database.ts";
import { createPostgresDatabase } from "./postgres-database.ts";
import { defineDriftReportsSuite } from "./testing/drift-reports-suite.ts";
import { defineModelRegistrySuite } from "./testing/model-registry-suite.ts";

/** An empty schema of its own, dropped on close. */
async function scratchDatabase(prefix: string): Promise<Database> {
  const schema = uniqueName(prefix).toLowerCase();
  const db = await createPostgresDatabase({ connectionString: serviceUrls.databaseUrl, schema });
  return {
    ...db,
    close: async () => {
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await db.close();
    },
  };
}

await describeWithServices("model registry and drift reports on PostgreSQL", ["postgres"], () => {
  defineModelRegistrySuite("model registry on PostgreSQL", () => scratchDatabase("cw_registry"));
  defineDriftReportsSuite("drift reports on PostgreSQL", () => scratchDatabase("cw_drift"));
});
