import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLabelRepository, createPgliteDatabase } from "@chainwatch/store";
import { describe, expect, it } from "vitest";
import { runCli, summaryOf } from "../testing/run-cli.ts";

const address = (index: number) => `0x${index.toString(16).padStart(40, "0")}`;

// Each case starts the CLI (and PGlite) in a process of its own: ~4 s apiece on a busy 2-core machine, so
// a test of eight of them needs a bound above the unit default.
describe("chainwatch labels import (embedded PGlite)", { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "cw-labels-cli-"));
  const dataDir = join(dir, "db");
  const file = join(dir, "ops.csv");
  const lines = ["address,category,note,confidence,expires_at"];
  for (let index = 1; index <= 1_500; index++) lines.push(`${address(index)},exchange,hot wallet ${index},,`);
  lines.push("0x12,exchange,,,", `${address(3)},exchange,hot wallet 3,,`, `${address(4)},exchange,,2,`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  const args = ["labels", "import", "--list", "ops-allow", "--file", file, "--pglite-dir", dataDir];

  it("creates the list, imports with progress and a JSON summary, and a second run changes nothing", async () => {
    const first = await runCli([...args, "--kind", "allow", "--name", "Ops allow", "--actor", "cli:test"]);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('labels: created allow list "ops-allow"');
    expect(first.stderr).toMatch(/labels ops-allow: 1500\/1500 labels written/);
    expect(first.stderr).toContain("line 1502: address: must be 0x and 40 hex digits");
    expect(first.stderr).toContain("line 1504: confidence:");
    expect(summaryOf(first)).toMatchObject({
      command: "labels import",
      list: { id: "ops-allow", kind: "allow", created: true },
      format: "csv",
      layout: "generic",
      read: 1_503,
      invalid: 2,
      duplicates: 1,
      inserted: 1_500,
      updated: 0,
      unchanged: 0,
      deleted: 0,
      database: { driver: "pglite", dataDir },
    });
    const firstRevision = summaryOf(first).revision;

    const second = await runCli(args);
    expect(second.code).toBe(0);
    expect(summaryOf(second)).toMatchObject({
      list: { id: "ops-allow", kind: "allow", created: false, updated: false },
      read: 1_503,
      invalid: 2,
      inserted: 0,
      updated: 0,
      unchanged: 1_500,
      revision: firstRevision,
    });

    const db = await createPgliteDatabase({ dataDir });
    try {
      const [label] = await createLabelRepository(db).labelsFor(address(7));
      expect(label).toMatchObject({
        category: "exchange",
        note: "hot wallet 7",
        createdBy: "cli:test",
        list: { id: "ops-allow", name: "Ops allow", kind: "allow" },
      });
    } finally {
      await db.close();
    }
  });

  it("exits 2 with the usage on bad arguments, before opening any database", async () => {
    const cases = [
      [["labels"], "missing labels command"],
      [["labels", "export"], 'unknown labels command "export"'],
      [["labels", "import", "--file", file], "--list is required"],
      [["labels", "import", "--list", "Ops List", "--file", file], "--list must be a slug"],
      [["labels", "import", "--list", "ops", "--file", file, "--kind", "block"], "--kind must be one of"],
      [["labels", "import", "--list", "ops", "--file", file, "--format", "xml"], "--format must be one of"],
      [["labels", "import", "--list", "ops", "--file", file, "--bogus"], "Unknown option '--bogus'"],
    ] as const;
    for (const [argv, message] of cases) {
      const result = await runCli([...argv]);
      expect(result.code, argv.join(" ")).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr).toContain("Usage: chainwatch labels import");
    }
    const memory = await runCli(["labels", "seed"], { PGLITE_DATA_DIR: "memory" });
    expect(memory.code).toBe(2);
    expect(memory.stderr).toContain("PGLITE_DATA_DIR=memory");
  });

  it("refuses a new list without --kind (2) and an unreadable file (1)", async () => {
    const otherDir = join(dir, "db-2");
    const noKind = await runCli([
      "labels",
      "import",
      "--list",
      "new-list",
      "--file",
      file,
      "--pglite-dir",
      otherDir,
    ]);
    expect(noKind.code).toBe(2);
    expect(noKind.stderr).toContain('list "new-list" does not exist: pass --kind');
    const missing = await runCli([
      ...["labels", "import", "--list", "new-list", "--kind", "deny", "--file", join(dir, "missing.csv")],
      ...["--pglite-dir", otherDir],
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("cannot read");
    expect(missing.stdout).toBe("");
  });
});
