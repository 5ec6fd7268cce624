import { once } from "@chainwatch/service-kit";
import pg from "pg";
import type { Database, QueryResult } from "./database.ts";

export interface PostgresDatabaseOptions {
  connectionString: string;
  /** Schema to use (search_path); created if missing. Tests use one per run to stay isolated. */
  schema?: string;
  /** Pool size; PostgreSQL connections are expensive, and writes are batched, so a few suffice. */
  maxConnections?: number;
  /** Bounds on connecting and on one statement, so a down or slow database fails fast. */
  connectionTimeoutMs?: number;
  statementTimeoutMs?: number;
  applicationName?: string;
}

const SAFE_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export async function createPostgresDatabase(options: PostgresDatabaseOptions): Promise<Database> {
  const schema = options.schema;
  if (schema !== undefined && !SAFE_IDENTIFIER.test(schema)) throw new Error(`unsafe schema name: ${schema}`);
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 5,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 3_000,
    statement_timeout: options.statementTimeoutMs ?? 10_000,
    application_name: options.applicationName ?? "chainwatch",
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client losing its connection emits here; the next query gets a fresh one.
  pool.on("error", () => {});
  if (schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);

  const query = async <Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> => {
    const result = await pool.query(sql, [...params]);
    return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
  };

  return {
    driver: "postgres",
    query,
    // Without parameters pg uses the simple protocol, which accepts several statements.
    async exec(script) {
      await pool.query(script);
    },
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await work({
          query: async <Row>(sql: string, params: readonly unknown[] = []) => {
            const answer = await client.query(sql, [...params]);
            return { rows: answer.rows as Row[], rowCount: answer.rowCount ?? 0 };
          },
          async exec(script) {
            await client.query(script);
          },
        });
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async ping() {
      try {
        await pool.query("SELECT 1");
        return true;
      } catch {
        return false;
      }
    },
    close: once(() => pool.end()),
  };
}
