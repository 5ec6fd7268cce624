import { createLabelRepository, createPgliteDatabase, type Database, runMigrations } from "@chainwatch/store";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { seedShippedListsIfOutdated } from "./seed-if-outdated.ts";

describe("seedShippedListsIfOutdated (PGlite)", () => {
  let db: Database;
  beforeEach(async () => {
    db = await createPgliteDatabase();
    await runMigrations(db);
  });
  afterEach(async () => {
    await db.close();
  });

  it("seeds an empty database, then skips while the stored lists carry this release", async () => {
    const repo = createLabelRepository(db);
    const first = await seedShippedListsIfOutdated(repo, { actor: "system:seed" });
    expect(first.seeded).toBe(true);
    expect(first.seeded && first.lists.map((list) => [list.listId, list.inserted])).toEqual([
      ["forta-phishing-scams", 6_205],
      ["forta-etherscan-malicious", 7_259],
      ["forta-malicious-contracts", 719],
    ]);
    const revision = await repo.screeningRevision();

    const second = await seedShippedListsIfOutdated(repo, { actor: "system:seed" });
    expect(second).toEqual({ seeded: false, version: "forta-labels-1@40a9c2f2bd7e" });
    expect(await repo.screeningRevision()).toBe(revision);
  });

  it("seeds again when a shipped list is gone or carries another release's provenance", async () => {
    const repo = createLabelRepository(db);
    await seedShippedListsIfOutdated(repo, { actor: "system:seed" });
    await repo.deleteList("forta-malicious-contracts", "analyst@example.com");
    const afterDelete = await seedShippedListsIfOutdated(repo, { actor: "system:seed" });
    expect(afterDelete.seeded && afterDelete.lists.map((list) => [list.listId, list.inserted])).toEqual([
      ["forta-phishing-scams", 0],
      ["forta-etherscan-malicious", 0],
      ["forta-malicious-contracts", 719],
    ]);

    await repo.upsertList({
      id: "forta-phishing-scams",
      name: "Forta: phishing scams (Etherscan phish-hack)",
      kind: "deny",
      source: "an older release",
      actor: "system:seed",
    });
    const afterOlder = await seedShippedListsIfOutdated(repo, { actor: "system:seed" });
    expect(afterOlder.seeded).toBe(true);
    expect((await repo.listLists()).find((list) => list.id === "forta-phishing-scams")?.source).toContain(
      "Chainwatch forta-labels-1@40a9c2f2bd7e",
    );
  });
});
