import { once } from "@chainwatch/service-kit";
import { PGlite } from "@electric-sql/pglite";
import type { Database, QueryResult } from "./database.ts";
import { toQueryResult } from "./pglite-results.ts";

export interface PgliteDatabaseOptions {
  /** A directory to persist to; undefined → in memory (lost on exit). */
  dataDir?: string;
  /**
   * PostgreSQL's shared_buffers, e.g. "32MB"; unset → PGlite's 128MB. PGlite's WebAssembly memory holds
   * them whether or not the data needs them: 16MB instead of 128MB took a reopened database from 354 to
   * 233 MiB of RSS (docs/benchmarks.md, issue #21).
   */
  sharedBuffers?: string;
}

/** A memory size as postgresql.conf takes it ("32MB"): nothing else may reach the configuration line. */
export const PGLITE_SIZE_PATTERN = /^[1-9][0-9]{0,5}(kB|MB|GB)$/;

/** PGlite's constructor options for ours: postgresql.conf lines for the settings given. */
export function pgliteSettings(options: PgliteDatabaseOptions): { postgresqlconf?: string[] } {
  if (options.sharedBuffers === undefined) return {};
  if (!PGLITE_SIZE_PATTERN.test(options.sharedBuffers))
    throw new RangeError(`sharedBuffers must be a size like 32MB, got ${options.sharedBuffers}`);
  return { postgresqlconf: [`shared_buffers = ${options.sharedBuffers}`] };
}

/**
 * Embedded PostgreSQL for the zero-dependency quick start. PGlite runs one connection, so statements are
 * serialised; that is fine for a laptop and the reason production uses the `pg` driver.
 *
 * This one runs PGlite on the caller's thread: for tests, benchmarks and CLIs, where nothing else waits on
 * the event loop and a thread would only add a structured clone per statement. A server uses
 * createThreadedPgliteDatabase (pglite-thread-database.ts), the same port with PGlite in a worker thread.
 */
export async function createPgliteDatabase(options: PgliteDatabaseOptions = {}): Promise<Database> {
  const settings = pgliteSettings(options);
  const db = options.dataDir ? new PGlite(options.dataDir, settings) : new PGlite(settings);
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
