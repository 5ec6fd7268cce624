import { describeWithServices, serviceUrls, uniqueName } from "@chainwatch/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Database } from "./database.ts";
import { createPostgresDatabase } from "./postgres-database.ts";

await describeWithServices("postgres database (real PostgreSQL)", ["postgres"], () => {
  const schema = uniqueName("cw_test").toLowerCase();
  let database: Database;

  beforeAll(async () => {
    database = await createPostgresDatabase({ connectionString: serviceUrls.databaseUrl, schema });
  });

  afterAll(async () => {
    await database.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await database.close();
  });

  it("smoke: PostgreSQL query", async () => {
    const { rows } = await database.query<{ answer: number; version: string }>(
      "SELECT 41 + $1::int AS answer, version() AS version",
      [1],
    );
    expect(rows[0]?.answer).toBe(42);
    expect(rows[0]?.version).toMatch(/^PostgreSQL/);
  });

  it("isolates each run in its own schema and rolls back failed transactions", async () => {
    await database.query("CREATE TABLE t (id int PRIMARY KEY)");
    const { rows } = await database.query<{ schema: string }>("SELECT current_schema() AS schema");
    expect(rows[0]?.schema).toBe(schema);
    await expect(
      database.transaction(async (tx) => {
        await tx.query("INSERT INTO t VALUES (1)");
        await tx.query("INSERT INTO t VALUES (1)");
      }),
    ).rejects.toThrow(/duplicate key/);
    expect((await database.query("SELECT * FROM t")).rowCount).toBe(0);
  });

  it("fails fast when the server is unreachable", async () => {
    const unreachable = await createPostgresDatabase({
      connectionString: "postgres://postgres@127.0.0.1:1/test",
      connectionTimeoutMs: 500,
    });
    const startedAt = performance.now();
    expect(await unreachable.ping()).toBe(false);
    expect(performance.now() - startedAt).toBeLessThan(2_000);
    await unreachable.close();
  });
});
