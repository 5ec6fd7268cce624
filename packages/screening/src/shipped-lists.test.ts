import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLabelRepository, createPgliteDatabase, runMigrations } from "@chainwatch/store";
import { describe, expect, it } from "vitest";
import {
  readShippedManifest,
  SHIPPED_DATA_DIR,
  SHIPPED_LISTS,
  seedShippedLists,
  verifyShippedFiles,
} from "./shipped-lists.ts";
import { defineShippedListsSuite } from "./testing/shipped-lists-suite.ts";

describe("shipped files", () => {
  it("match the manifest's SHA-256, sizes and row counts (a changed file fails here)", async () => {
    const manifest = await readShippedManifest();
    expect(Object.keys(manifest.files).sort()).toEqual([
      "LICENSE",
      "etherscan_malicious_labels.csv",
      "malicious_smart_contracts.csv",
      "phishing_scams.csv",
    ]);
    for (const [file, expected] of Object.entries(manifest.files)) {
      const bytes = readFileSync(join(SHIPPED_DATA_DIR, file));
      expect(createHash("sha256").update(bytes).digest("hex"), file).toBe(expected.sha256);
      expect(bytes.length, file).toBe(expected.bytes);
      if (expected.rows !== undefined) {
        const lines = bytes
          .toString("utf8")
          .split("\n")
          .filter((line) => line !== "");
        expect(lines.length - 1, file).toBe(expected.rows);
      }
    }
    await expect(verifyShippedFiles()).resolves.toMatchObject({ version: "forta-labels-1@40a9c2f2bd7e" });
  });

  it("every data file is in the manifest and every list names one; the licence and README are there", () => {
    const present = readdirSync(SHIPPED_DATA_DIR).sort();
    expect(present).toEqual([
      "LICENSE",
      "README.md",
      "etherscan_malicious_labels.csv",
      "malicious_smart_contracts.csv",
      "manifest.json",
      "phishing_scams.csv",
    ]);
    expect(SHIPPED_LISTS.map((list) => [list.id, list.kind, list.file])).toEqual([
      ["forta-phishing-scams", "deny", "phishing_scams.csv"],
      ["forta-etherscan-malicious", "deny", "etherscan_malicious_labels.csv"],
      ["forta-malicious-contracts", "deny", "malicious_smart_contracts.csv"],
    ]);
    expect(readFileSync(join(SHIPPED_DATA_DIR, "LICENSE"), "utf8")).toContain("MIT License");
  });

  it("seeding refuses a file that differs from the manifest and writes nothing", async () => {
    const copy = mkdtempSync(join(tmpdir(), "cw-shipped-"));
    cpSync(SHIPPED_DATA_DIR, copy, { recursive: true });
    const path = join(copy, "phishing_scams.csv");
    writeFileSync(
      path,
      `${readFileSync(path, "utf8")}0x000000000000000000000000000000000000dead,x,phish-hack,False\n`,
    );
    const db = await createPgliteDatabase();
    try {
      await runMigrations(db);
      const repo = createLabelRepository(db);
      await expect(seedShippedLists(repo, { actor: "system:seed", dataDir: copy })).rejects.toMatchObject({
        code: "LABEL_FILE_INVALID",
        details: { file: "phishing_scams.csv" },
      });
      expect(await repo.listLists()).toEqual([]);
    } finally {
      await db.close();
    }
  });
});

defineShippedListsSuite("shipped lists seeded into PGlite", () => createPgliteDatabase());
