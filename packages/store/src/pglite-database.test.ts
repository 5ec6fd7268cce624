import { messages } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "./database.ts";
import { createPgliteDatabase } from "./pglite-database.ts";
import { createThreadedPgliteDatabase } from "./pglite-thread-database.ts";

const WEI_MAX = "115792089237316195423570985008687907853269984665640564039457584007913129639935";

// The gateway runs the threaded driver, tests and CLIs mostly the in-thread one: both must answer alike.
describe.each([
  ["in the caller's thread", () => createPgliteDatabase()],
  ["in a worker thread", () => createThreadedPgliteDatabase()],
])("pglite database (embedded default) %s", (_name, open) => {
  let database: Database;

  beforeAll(async () => {
    database = await open();
  });

  afterAll(() => database.close());

  it("speaks the same SQL as PostgreSQL, with numbered parameters and numeric wei values", async () => {
    await database.query("CREATE TABLE t (id int PRIMARY KEY, wei numeric(78,0) NOT NULL)");
    await database.query("INSERT INTO t VALUES ($1, $2)", [1, WEI_MAX]);
    const { rows } = await database.query<{ wei: string }>(
      "SELECT wei::text AS wei FROM t WHERE id = $1",
      [1],
    );
    expect(rows[0]?.wei).toBe(WEI_MAX);
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

  it("commits a transaction's statements and returns what the work returned", async () => {
    const returned = await database.transaction(async (tx) => {
      await tx.query("INSERT INTO t VALUES (5, 5)");
      await tx.exec("INSERT INTO t VALUES (6, 6); INSERT INTO t VALUES (7, 7);");
      return "done";
    });
    expect(returned).toBe("done");
    const { rows } = await database.query<{ id: number }>("SELECT id FROM t WHERE id >= 5 ORDER BY id");
    expect(rows).toEqual([{ id: 5 }, { id: 6 }, { id: 7 }]);
    await database.query("DELETE FROM t WHERE id >= 5");
  });

  it("reports rowCount like pg: rows returned for a SELECT, rows affected for a write", async () => {
    expect((await database.query("SELECT id FROM t WHERE id = 1")).rowCount).toBe(1);
    expect((await database.query("UPDATE t SET wei = 2 WHERE id = 1")).rowCount).toBe(1);
    expect((await database.query("SELECT id FROM t WHERE id = 3")).rowCount).toBe(0);
    const inTransaction = await database.transaction((tx) => tx.query("SELECT id FROM t"));
    expect(inTransaction.rowCount).toBe(1);
  });

  it("returns each PostgreSQL type as the same JavaScript value, in parameters and in rows", async () => {
    await database.exec(`
      CREATE TABLE typed (
        i4 int4, i8_small int8, i8_big int8, wei numeric(78,0), f8 float8, ok bool, label text,
        at timestamptz, day date, raw bytea, doc jsonb, plain json, tags text[], missing text
      )`);
    await database.query(
      "INSERT INTO typed VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
      [
        42,
        7n,
        9_007_199_254_740_993n,
        WEI_MAX,
        1.5,
        true,
        "héllo ✓",
        new Date("2026-01-02T03:04:05.678Z"),
        "2026-01-02",
        new Uint8Array([0, 255, 16]),
        { a: [1, "x", null], nested: { b: true } },
        { plain: 2 },
        ["a", "b,c"],
        null,
      ],
    );
    const { rows, rowCount } = await database.query("SELECT * FROM typed");
    expect(rowCount).toBe(1);
    expect(rows).toEqual([
      {
        i4: 42,
        i8_small: 7,
        i8_big: 9_007_199_254_740_993n,
        wei: WEI_MAX,
        f8: 1.5,
        ok: true,
        label: "héllo ✓",
        at: new Date("2026-01-02T03:04:05.678Z"),
        day: new Date("2026-01-02T00:00:00.000Z"),
        raw: new Uint8Array([0, 255, 16]),
        doc: { a: [1, "x", null], nested: { b: true } },
        plain: { plain: 2 },
        tags: ["a", "b,c"],
        missing: null,
      },
    ]);
    const row = rows[0] as Record<string, unknown>;
    expect(row.at).toBeInstanceOf(Date);
    expect(row.raw).toBeInstanceOf(Uint8Array);
    expect(typeof row.i8_big).toBe("bigint");
  });

  it("throws PostgreSQL errors with their message and fields", async () => {
    const duplicate = await database.query("INSERT INTO t VALUES (1, 1)").catch((error: unknown) => error);
    expect(duplicate).toBeInstanceOf(messages.DatabaseError);
    expect(duplicate).toMatchObject({
      message: 'duplicate key value violates unique constraint "t_pkey"',
      severity: "ERROR",
      code: "23505",
      detail: "Key (id)=(1) already exists.",
      schema: "public",
      table: "t",
      constraint: "t_pkey",
    });
    const notNull = await database
      .transaction((tx) => tx.query("INSERT INTO t (id) VALUES (9)"))
      .catch((error: unknown) => error);
    expect(notNull).toMatchObject({
      message: 'null value in column "wei" of relation "t" violates not-null constraint',
      code: "23502",
      table: "t",
      column: "wei",
    });
  });
});
