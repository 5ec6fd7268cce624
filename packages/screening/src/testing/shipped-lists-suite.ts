import { createLabelRepository, type Database, type LabelRepository, runMigrations } from "@chainwatch/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SeedSummary, seedShippedLists } from "../shipped-lists.ts";

/** Counts of one seeded list, written out from the files (data/forta-labelled-datasets/README.md). */
const EXPECTED = {
  "forta-phishing-scams": { read: 6_726, invalid: 0, duplicates: 521, inserted: 6_205 },
  "forta-etherscan-malicious": { read: 7_780, invalid: 0, duplicates: 521, inserted: 7_259 },
  "forta-malicious-contracts": { read: 753, invalid: 0, duplicates: 34, inserted: 719 },
};

const categories = (summary: SeedSummary) => summary.lists.map((list) => [list.listId, list.inserted]);

/** Seeding the shipped lists against every driver: counts, categories, idempotency, replace. */
export function defineShippedListsSuite(name: string, makeDb: () => Promise<Database>): void {
  describe(name, () => {
    let db: Database;
    let repo: LabelRepository;
    let first: SeedSummary;

    beforeAll(async () => {
      db = await makeDb();
      await runMigrations(db);
      repo = createLabelRepository(db);
      first = await seedShippedLists(repo, { actor: "system:seed" });
    });
    afterAll(async () => {
      await db.close();
    });

    it("creates the three deny lists and imports every file without an invalid row", async () => {
      expect(first.version).toBe("forta-labels-1@40a9c2f2bd7e");
      expect(categories(first)).toEqual([
        ["forta-phishing-scams", 6_205],
        ["forta-etherscan-malicious", 7_259],
        ["forta-malicious-contracts", 719],
      ]);
      for (const list of first.lists) {
        expect(list).toMatchObject({
          ...EXPECTED[list.listId as keyof typeof EXPECTED],
          listCreated: true,
          updated: 0,
          unchanged: 0,
          deleted: 0,
          errors: [],
        });
      }
      const lists = await repo.listLists();
      expect(lists.map((list) => [list.id, list.kind, list.labelCount])).toEqual([
        ["forta-etherscan-malicious", "deny", 7_259],
        ["forta-malicious-contracts", "deny", 719],
        ["forta-phishing-scams", "deny", 6_205],
      ]);
      expect(lists[0]?.source).toBe(
        "https://github.com/forta-network/labelled-datasets labels/1/etherscan_malicious_labels.csv @ 40a9c2f2bd7e (2023-01-26, MIT); Chainwatch forta-labels-1@40a9c2f2bd7e",
      );
    });

    it("categorises as documented and names a contract's creator without labelling it", async () => {
      const snapshot = await repo.screeningSnapshot();
      const counts: Record<string, number> = {};
      for (const entry of snapshot.entries) {
        const key = `${entry.listId} ${entry.category}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      expect(counts).toEqual({
        "forta-phishing-scams phishing": 6_205,
        "forta-etherscan-malicious phishing": 6_984,
        "forta-etherscan-malicious exploit": 207,
        "forta-etherscan-malicious scam": 68,
        "forta-malicious-contracts phishing": 569,
        "forta-malicious-contracts exploit": 150,
      });
      expect(snapshot.entries).toHaveLength(14_183);
      expect(new Set(snapshot.entries.map((entry) => entry.address)).size).toBe(7_407);

      // A checksummed and a lower-case copy of one address with two tags: one label, both tags.
      const [phishing] = await repo.labelsFor("0x0CC4682B1465BD3BF3B9B13DBD310A1F37C7500D");
      expect(phishing).toMatchObject({
        listId: "forta-etherscan-malicious",
        note: "StaFi Protocol (FIS); Fake_Phishing4188",
      });
      const contract = await repo.labelsFor("0x14ec0cd2acee4ce37260b925f74648127a889a28");
      expect(contract).toEqual([]);
    });

    it("re-seeding changes nothing: no write, the same revision", async () => {
      const revision = await repo.screeningRevision();
      const again = await seedShippedLists(repo, { actor: "system:seed" });
      for (const list of again.lists) {
        const expected = EXPECTED[list.listId as keyof typeof EXPECTED];
        expect(list).toMatchObject({
          read: expected.read,
          inserted: 0,
          updated: 0,
          unchanged: expected.inserted,
          deleted: 0,
          listCreated: false,
          listUpdated: false,
          revision,
        });
      }
      expect(await repo.screeningRevision()).toBe(revision);
    });

    it("puts a shipped list back as shipped: a hand-added label is removed, a changed one restored", async () => {
      const added = "0x000000000000000000000000000000000000dead";
      await repo.importLabels("forta-phishing-scams", [{ address: added, category: "scam" }], "user:analyst");
      await repo.importLabels(
        "forta-phishing-scams",
        [{ address: "0x000000000532b45f47779fce440748893b257865", category: "scam" }],
        "user:analyst",
      );
      const again = await seedShippedLists(repo, { actor: "system:seed" });
      expect(again.lists[0]).toMatchObject({ listId: "forta-phishing-scams", updated: 1, deleted: 1 });
      expect(await repo.labelsFor(added)).toEqual([]);
    });
  });
}
