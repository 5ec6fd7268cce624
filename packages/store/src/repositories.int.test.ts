import { describeWithServices, serviceUrls, uniqueName } from "@chainwatch/testing";
import { createPostgresDatabase } from "./postgres-database.ts";
import { defineRepositorySuite } from "./testing/repository-suite.ts";

await describeWithServices("repositories on PostgreSQL", ["postgres"], () => {
  defineRepositorySuite("repositories on PostgreSQL", async () => {
    const schema = uniqueName("cw_store").toLowerCase();
    const db = await createPostgresDatabase({ connectionString: serviceUrls.databaseUrl, schema });
    // The suite closes what it was given; dropping the run's schema first leaves the server clean.
    return {
      ...db,
      close: async () => {
        await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await db.close();
      },
    };
  });
});
