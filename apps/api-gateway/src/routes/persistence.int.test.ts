import { createPostgresDatabase } from "@chainwatch/store";
import { describeWithServices, serviceUrls, uniqueName } from "@chainwatch/testing";
import { definePersistenceRouteSuite } from "../testing/persistence-suite.ts";

await describeWithServices("persistence routes (real PostgreSQL)", ["postgres"], () => {
  const schema = uniqueName("cw_routes").toLowerCase();
  definePersistenceRouteSuite("on PostgreSQL", async () => {
    const database = await createPostgresDatabase({ connectionString: serviceUrls.databaseUrl, schema });
    // The schema goes with the database: drop it when the suite closes the connection.
    const close = database.close;
    return {
      ...database,
      close: async () => {
        await database.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await close();
      },
    };
  });
});
