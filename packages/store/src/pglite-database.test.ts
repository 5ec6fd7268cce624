import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "./database.ts";
import { createPgliteDatabase } from "./pglite-database.ts";

describe("pglite database (embedded default)", () => {
  let database: Database;

  beforeAll(async () => {
    database = await createPgliteDatabase();
  });

  afterAll(() => database.close());

  it("speaks the same SQL as PostgreSQL, with numbered parameters and numeric wei values", async () => {
    await database.query("CREATE TABLE t (id int PRIMARY KEY, wei numeric(78,0) NOT NULL)");
    await database.query("INSERT INTO t VALUES ($1, $2)", [
      1,
      "115792089237316195423570985008687907853269984665640564039457584007913129639935",
    ]);
    const { rows } = await database.query<{ wei: string }>(
      "SELECT wei::text AS wei FROM t WHERE id = $1",
      [1],
    );
    expect(rows[0]?.wei).toBe(
      "115792089237316195423570985008687907853269984665640564039457584007913129639935",
    );
  });

  it("rolls back a failed transaction", async () => {
    await expect(
      database.transaction(async (tx) => {
        await tx.query("INSERT INTO t VALUES (2, 1)");
        await tx.query("INSERT INTO t VALUES (2, 1)");
      }),
    ).rejects.toThrow(/duplicate key/);
    expect((await database.query("SELECT * FROM t WHERE id = 2")).rowCount).toBe(0);
    expect(await database.ping()).toBe(true);
  });

  it("reports rowCount like pg: rows returned for a SELECT, rows affected for a write", async () => {
    expect((await database.query("SELECT id FROM t WHERE id = 1")).rowCount).toBe(1);
    expect((await database.query("UPDATE t SET wei = 2 WHERE id = 1")).rowCount).toBe(1);
    expect((await database.query("SELECT id FROM t WHERE id = 3")).rowCount).toBe(0);
    const inTransaction = await database.transaction((tx) => tx.query("SELECT id FROM t"));
    expect(inTransaction.rowCount).toBe(1);
  });
});
