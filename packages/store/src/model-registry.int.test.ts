import { describeWithServices, serviceUrls, uniqueName } from "@chainwatch/testing";
import { createPostgresDatabase } from "./postgres-database.ts";
import { defineModelRegistrySuite } from "./testing/model-registry-suite.ts";

await describeWithServices("model registry on PostgreSQL", ["postgres"], () => {
  defineModelRegistrySuite("model registry on PostgreSQL", async () => {
    const schema = uniqueName("cw_registry").toLowerCase();
    const db = await createPostgresDatabase({ connectionString: serviceUrls.databaseUrl, schema });
    return {
      ...db,
      close: async () => {
        await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await db.close();
      },
    };
  });
});
