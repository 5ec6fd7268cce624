import { once } from "@chainwatch/service-kit";
import { PGlite, type Results } from "@electric-sql/pglite";
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

  const query = async <Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> =>
    toQueryResult(await db.query<Row>(sql, [...params]));

  return {
    driver: "pglite",
    query,
    async exec(script) {
      await db.exec(script);
    },
    transaction: (work) =>
      db.transaction((tx) =>
        work({
          query: async <Row>(sql: string, params: readonly unknown[] = []) =>
            toQueryResult(await tx.query<Row>(sql, [...params])),
          async exec(script) {
            await tx.exec(script);
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

/**
 * Matches pg's rowCount: rows returned for a statement with a result set (SELECT, ... RETURNING), rows
 * affected otherwise. PGlite reports affectedRows 0 for a SELECT, which made "does this row exist" checks
 * on rowCount silently wrong on one driver only.
 */
function toQueryResult<Row>(result: Results<Row>): QueryResult<Row> {
  const hasResultSet = result.fields.length > 0;
  return { rows: result.rows, rowCount: hasResultSet ? result.rows.length : (result.affectedRows ?? 0) };
}
