import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "./database.ts";
import { createPgliteDatabase } from "./pglite-database.ts";
import { createThreadedPgliteDatabase, startPgliteThread } from "./pglite-thread-database.ts";

const run = promisify(execFile);

describe("pglite in a worker thread", () => {
  let database: Database;

  beforeAll(async () => {
    database = await createThreadedPgliteDatabase();
    await database.query("CREATE TABLE events (id int PRIMARY KEY, note text NOT NULL)");
  });

  afterAll(() => database.close());

  it("answers many statements in flight at once, each with its own result", async () => {
    const ids = Array.from({ length: 200 }, (_, index) => 1000 + index);
    await Promise.all(ids.map((id) => database.query("INSERT INTO events VALUES ($1, $2)", [id, `n${id}`])));
    const echoes = await Promise.all(
      ids.map((id) => database.query<{ note: string }>("SELECT note FROM events WHERE id = $1", [id])),
    );
    expect(echoes.map((echo) => echo.rows[0]?.note)).toEqual(ids.map((id) => `n${id}`));
    await database.query("DELETE FROM events");
  });

  it("keeps a plain statement issued during a transaction out of it: it waits, and survives the rollback", async () => {
    let plainInsert: Promise<unknown> | undefined;
    let seenInside: number | undefined;
    await expect(
      database.transaction(async (tx) => {
        await tx.query("INSERT INTO events VALUES (1, 'in the transaction')");
        plainInsert = database.query("INSERT INTO events VALUES (2, 'outside')");
        // Let the thread receive the plain INSERT before the transaction looks.
        await new Promise((resolve) => setTimeout(resolve, 200));
        seenInside = (await tx.query("SELECT id FROM events WHERE id = 2")).rowCount;
        throw new Error("roll it back");
      }),
    ).rejects.toThrow("roll it back");
    await plainInsert;
    expect(seenInside).toBe(0);
    const { rows } = await database.query<{ id: number; note: string }>(
      "SELECT id, note FROM events ORDER BY id",
    );
    expect(rows).toEqual([{ id: 2, note: "outside" }]);
    await database.query("DELETE FROM events");
  });

  it("refuses a parameter that cannot cross to the thread, and keeps serving", async () => {
    await expect(database.query("SELECT $1::text", [() => "a function"])).rejects.toMatchObject({
      name: "DataCloneError",
    });
    expect(await database.ping()).toBe(true);
  });

  it("refuses a statement of a transaction that has already ended", async () => {
    let late: Database["query"] | undefined;
    await database.transaction(async (tx) => {
      late = tx.query;
    });
    await expect(late?.("SELECT 1")).rejects.toThrow(
      /^transaction \d+ is not open \(already committed or rolled back\)$/,
    );
  });
});

describe("pglite in a worker thread that dies or closes", () => {
  it("rejects pending and later calls when the thread dies, and ping answers false", async () => {
    const { database, worker } = await startPgliteThread();
    const pending = database.query("SELECT pg_sleep(5)");
    await worker.terminate();
    await expect(pending).rejects.toThrow("embedded database thread exited (code 1)");
    await expect(database.query("SELECT 1")).rejects.toThrow("embedded database thread exited (code 1)");
    await expect(database.transaction(async () => 1)).rejects.toThrow("embedded database thread exited");
    expect(await database.ping()).toBe(false);
    await database.close();
  });

  it("rejects with PGlite's own error when it cannot open its directory", async () => {
    const directory = mkdtempSync(path.join(tmpdir(), "chainwatch-pglite-file-"));
    const file = path.join(directory, "a-file");
    writeFileSync(file, "not a directory");
    try {
      await expect(createThreadedPgliteDatabase({ dataDir: path.join(file, "data") })).rejects.toMatchObject({
        message: `ENOTDIR: not a directory, mkdir '${path.join(file, "data")}'`,
        code: "ENOTDIR",
      });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("closes once however often close is called, and refuses calls after", async () => {
    const database = await createThreadedPgliteDatabase();
    await Promise.all([database.close(), database.close()]);
    await database.close();
    await expect(database.query("SELECT 1")).rejects.toThrow("embedded database is closed");
    expect(await database.ping()).toBe(false);
  });

  it("keeps its rows on disk across a restart in a new thread", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "chainwatch-pglite-thread-"));
    try {
      const first = await createThreadedPgliteDatabase({ dataDir });
      await first.query("CREATE TABLE kept (id int PRIMARY KEY, note text)");
      await first.transaction(async (tx) => {
        await tx.query("INSERT INTO kept VALUES (1, 'committed')");
      });
      await first.query("INSERT INTO kept VALUES (2, 'plain')");
      await first.close();

      const second = await createThreadedPgliteDatabase({ dataDir });
      try {
        const { rows } = await second.query("SELECT id, note FROM kept ORDER BY id");
        expect(rows).toEqual([
          { id: 1, note: "committed" },
          { id: 2, note: "plain" },
        ]);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("does not keep the process alive once idle, open or closed", async () => {
    const directory = mkdtempSync(path.join(tmpdir(), "chainwatch-pglite-exit-"));
    const module = fileURLToPath(new URL("./pglite-thread-database.ts", import.meta.url));
    const script = path.join(directory, "idle.ts");
    // Never closed: the process must still end once its last query is answered, as with the in-thread driver.
    writeFileSync(
      script,
      `import { createThreadedPgliteDatabase } from ${JSON.stringify(module)};\n` +
        `const database = await createThreadedPgliteDatabase();\n` +
        // A call refused before it reached the thread must not count as pending either.
        `await database.query("SELECT $1::text", [() => 1]).catch(() => {});\n` +
        `const { rows } = await database.query("SELECT 40 + 2 AS answer");\n` +
        `process.stdout.write(JSON.stringify(rows));\n`,
    );
    try {
      const { stdout } = await run(process.execPath, [script], { timeout: 50_000 });
      expect(stdout).toBe('[{"answer":42}]');
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe("pglite's shared_buffers", () => {
  it("is the size given, in the thread and on the caller's thread; PGlite's 128MB when none is", async () => {
    const shown = async (database: Database) => {
      const { rows } = await database.query<{ shared_buffers: string }>("SHOW shared_buffers");
      await database.close();
      return rows[0]?.shared_buffers;
    };
    expect(await shown(await createThreadedPgliteDatabase({ sharedBuffers: "32MB" }))).toBe("32MB");
    expect(await shown(await createPgliteDatabase({ sharedBuffers: "16MB" }))).toBe("16MB");
    expect(await shown(await createThreadedPgliteDatabase())).toBe("128MB");
  });

  it("refuses a size PostgreSQL would not read, before a thread starts", async () => {
    await expect(createThreadedPgliteDatabase({ sharedBuffers: "32 MB; fsync=off" })).rejects.toThrow(
      "sharedBuffers must be a size like 32MB",
    );
  });
});
