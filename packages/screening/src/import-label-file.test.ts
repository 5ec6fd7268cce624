import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createLabelRepository,
  createPgliteDatabase,
  type Database,
  type LabelRepository,
  runMigrations,
} from "@chainwatch/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importLabelFile, type LabelImportProgress } from "./import-label-file.ts";

const dir = mkdtempSync(join(tmpdir(), "cw-label-import-"));
const address = (index: number) => `0x${index.toString(16).padStart(40, "0")}`;

describe("importLabelFile (PGlite)", () => {
  let db: Database;
  let repo: LabelRepository;

  beforeAll(async () => {
    db = await createPgliteDatabase();
    await runMigrations(db);
    repo = createLabelRepository(db);
    await repo.upsertList({ id: "ops-deny", name: "Ops deny", kind: "deny", actor: "user:admin" });
  });
  afterAll(async () => {
    await db.close();
  });

  it("counts read, invalid (first ones by line), duplicates and writes; re-import changes nothing", async () => {
    const lines = ["address,category,note,confidence"];
    for (let index = 1; index <= 2_400; index++) lines.push(`${address(index)},phishing,row ${index},0.9`);
    lines.push(`${address(7).toUpperCase().replace("0X", "0x")},phishing,seen again,0.9`); // duplicate (line 2402)
    for (let index = 0; index < 12; index++) lines.push(`0xbad${index},phishing,,`); // invalid (lines 2403…)
    const file = join(dir, "ops.csv");
    writeFileSync(file, `${lines.join("\n")}\n`);

    const progress: LabelImportProgress[] = [];
    const summary = await importLabelFile(repo, {
      listId: "ops-deny",
      file,
      actor: "cli:test",
      onProgress: (value) => progress.push(value),
    });
    expect(summary).toMatchObject({
      listId: "ops-deny",
      format: "csv",
      layout: "generic",
      ignoredColumns: [],
      read: 2_413,
      invalid: 12,
      duplicates: 1,
      inserted: 2_400,
      updated: 0,
      unchanged: 0,
      deleted: 0,
    });
    expect(summary.errors.map((error) => error.line)).toEqual([
      2403, 2404, 2405, 2406, 2407, 2408, 2409, 2410, 2411, 2412,
    ]);
    expect(summary.errors[0]?.message).toMatch(/^address: /);
    expect(progress.filter((value) => value.phase === "read").map((value) => value.read)).toEqual([
      1_000, 2_000, 2_413,
    ]);
    expect(progress.filter((value) => value.phase === "write").map((value) => value.written)).toEqual([
      1_000, 2_000, 2_400,
    ]);
    expect((await repo.labelsFor(address(7)))[0]?.note).toBe("row 7; seen again");

    const revision = await repo.screeningRevision();
    const again = await importLabelFile(repo, { listId: "ops-deny", file, actor: "cli:test" });
    expect(again).toMatchObject({ read: 2_413, invalid: 12, inserted: 0, updated: 0, unchanged: 2_400 });
    expect(again.revision).toBe(revision);
    expect(await repo.screeningRevision()).toBe(revision);
  });

  it("counts a changed row as updated and imports JSON Lines", async () => {
    const file = join(dir, "ops.jsonl");
    writeFileSync(
      file,
      [
        JSON.stringify({ address: address(1), category: "phishing", note: "row 1", confidence: 0.9 }),
        JSON.stringify({ address: address(2), category: "scam", note: "row 2", confidence: 0.9 }),
        JSON.stringify({ address: address(9_999), category: "mixer" }),
      ].join("\n"),
    );
    const summary = await importLabelFile(repo, { listId: "ops-deny", file, actor: "cli:test" });
    expect(summary).toMatchObject({
      format: "jsonl",
      layout: "jsonl",
      read: 3,
      inserted: 1,
      updated: 1,
      unchanged: 1,
    });
  });

  it("refuses an unknown list and imports nothing", async () => {
    const file = join(dir, "other.csv");
    writeFileSync(file, `address,category\n${address(5)},scam\n`);
    await expect(importLabelFile(repo, { listId: "nope", file, actor: "cli:test" })).rejects.toMatchObject({
      code: "LABEL_LIST_NOT_FOUND",
    });
  });
});
