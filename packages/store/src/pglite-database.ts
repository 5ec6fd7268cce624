import { PGlite } from "@electric-sql/pglite";
import { once } from "@chainwatch/service-kit";
import type { Database, QueryResult } from "./database.ts";

export interface PgliteDatabaseOptions {
  /** A directory to persist to; undefined → in memory (lost on exit). */
  dataDir?: string;
}

/**
 * Embedded PostgreSQL for the zero-dependency quick start. PGlite runs one connection, so statements are
 * serialised; that is fine for a laptop and the reason production uses the `pg` driver.
 */
export async function createPgliteDatabase(options: PgliteDatabaseOptions = {}): Promise<Database> {
  const db = options.dataDir ? new PGlite(options.dataDir) : new PGlite();
  await db.waitReady;

  const query = async <Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> => {
    const result = await db.query<Row>(sql, [...params]);
    return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
  };

  return {
    driver: "pglite",
    query,
    transaction: (work) =>
      db.transaction((tx) =>
        work({
          query: async <Row>(sql: string, params: readonly unknown[] = []) => {
            const result = await tx.query<Row>(sql, [...params]);
            return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
          },
        }),
      ),
    async ping() {
      try {
        await db.query("SELECT 1");
        return true;
      } catch {
        return false;
      }
    },
    close: once(() => db.close()),
  };
}
