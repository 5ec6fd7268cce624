import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLabelRepository, createPostgresDatabase } from "@chainwatch/store";
import { describeWithServices, serviceUrls, uniqueName } from "@chainwatch/testing";
import { afterAll, expect, it } from "vitest";
import { runCli, summaryOf } from "../testing/run-cli.ts";

await describeWithServices("chainwatch labels on PostgreSQL", ["postgres"], () => {
  const schema = uniqueName("cw_labels_cli").toLowerCase();
  const env = { DATABASE_URL: serviceUrls.databaseUrl, DATABASE_SCHEMA: schema };

  afterAll(async () => {
    const db = await createPostgresDatabase({ connectionString: serviceUrls.databaseUrl });
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.close();
  });

  it("seeds the shipped lists, and seeding again changes nothing", async () => {
    const first = await runCli(["labels", "seed", "--actor", "system:seed"], env);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain("labels forta-phishing-scams: 6726 read, 0 invalid, 6205 inserted");
    const summary = summaryOf(first);
    expect(summary).toMatchObject({
      command: "labels seed",
      version: "forta-labels-1@40a9c2f2bd7e",
      read: 15_259,
      invalid: 0,
      duplicates: 1_076,
      inserted: 14_183,
      updated: 0,
      unchanged: 0,
      deleted: 0,
      database: { driver: "postgres", schema },
    });
    const again = await runCli(["labels", "seed", "--actor", "system:seed"], env);
    expect(again.code).toBe(0);
    expect(summaryOf(again)).toMatchObject({
      inserted: 0,
      updated: 0,
      unchanged: 14_183,
      deleted: 0,
      revision: summary.revision,
    });
  });

  it("imports JSON Lines into a new watch list, replaces on request", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cw-labels-cli-pg-"));
    const file = join(dir, "watch.jsonl");
    const write = (rows: object[]) => writeFileSync(file, rows.map((row) => JSON.stringify(row)).join("\n"));
    const a = "0x00000000000000000000000000000000000000aa";
    const b = "0x00000000000000000000000000000000000000bb";
    write([
      { address: a, category: "mixer", note: "watch", expires_at: "2999-01-01T00:00:00Z" },
      { address: b, category: "bridge" },
    ]);
    const args = ["labels", "import", "--list", "ops-watch", "--file", file];
    const first = await runCli([...args, "--kind", "watch"], env);
    expect(first.code).toBe(0);
    expect(summaryOf(first)).toMatchObject({ format: "jsonl", layout: "jsonl", read: 2, inserted: 2 });

    write([{ address: a, category: "mixer", note: "watch, confirmed", expires_at: "2999-01-01T00:00:00Z" }]);
    const replaced = await runCli([...args, "--replace"], env);
    expect(summaryOf(replaced)).toMatchObject({ read: 1, inserted: 0, updated: 1, unchanged: 0, deleted: 1 });

    const db = await createPostgresDatabase({ connectionString: serviceUrls.databaseUrl, schema });
    try {
      const labels = createLabelRepository(db);
      expect(await labels.labelsFor(b)).toEqual([]);
      expect(await labels.labelsFor(a)).toMatchObject([
        {
          listId: "ops-watch",
          note: "watch, confirmed",
          expiresAt: "2999-01-01T00:00:00.000Z",
          list: { kind: "watch" },
        },
      ]);
    } finally {
      await db.close();
    }
  });
});
