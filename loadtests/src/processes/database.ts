import { randomBytes } from "node:crypto";
import { createPostgresDatabase } from "@chainwatch/store";

export interface ScratchSchema {
  /** DATABASE_URL for the gateway: the server's URL with search_path set to the scratch schema. */
  databaseUrl: string;
  schema: string;
  drop(): Promise<void>;
}

/**
 * A schema of its own per run on the real PostgreSQL, so load never touches other engineers' tables and
 * nothing is left behind: the gateway migrates it at start, `drop()` removes it.
 */
export async function createScratchSchema(serverUrl: string): Promise<ScratchSchema> {
  const schema = `loadtest_${randomBytes(4).toString("hex")}`;
  const admin = await createPostgresDatabase({ connectionString: serverUrl, schema, maxConnections: 1 });
  await admin.close();
  const url = new URL(serverUrl);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return {
    databaseUrl: url.toString(),
    schema,
    drop: async () => {
      const database = await createPostgresDatabase({ connectionString: serverUrl, maxConnections: 1 });
      try {
        await database.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await database.close();
      }
    },
  };
}
