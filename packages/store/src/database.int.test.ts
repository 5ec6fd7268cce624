import { createServer, type Socket } from "node:net";
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

  it("answers ping with false when the server refuses connections", async () => {
    const unreachable = await createPostgresDatabase({
      connectionString: "postgres://postgres@127.0.0.1:1/test",
      connectionTimeoutMs: 500,
    });
    expect(await unreachable.ping()).toBe(false);
    await unreachable.close();
  });

  it("answers ping with false when the server never answers: only the connection bound can end it", async () => {
    // Accepts TCP and stays silent, so without connectionTimeoutMs the ping would wait forever (and this
    // test would time out). No stopwatch in the assertion: the bound is proven by the ping returning.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const address = silent.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    const unanswered = await createPostgresDatabase({
      connectionString: `postgres://postgres@127.0.0.1:${address.port}/test`,
      connectionTimeoutMs: 500,
    });
    try {
      expect(await unanswered.ping()).toBe(false);
      expect(sockets.size).toBeGreaterThan(0); // it did connect, and was left waiting
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
      await unanswered.close();
    }
  });
});
