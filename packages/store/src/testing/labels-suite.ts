import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../database.ts";
import { runMigrations } from "../migrations/index.ts";
import { createLabelRepository, type LabelRepository } from "../repositories/labels.ts";
import type { LabelInput } from "../repositories/labels-types.ts";

const address = (digit: string) => `0x${digit.repeat(40)}`;
const A = address("a");
const B = address("b");
const C = address("c");
const D = address("d");

const phishing = (addr: string, overrides: Partial<LabelInput> = {}): LabelInput => ({
  address: addr,
  category: "phishing",
  source: "etherscan:phish-hack",
  note: "Fake_Phishing1",
  ...overrides,
});

/**
 * Address lists and labels against every driver (PGlite in unit tests, PostgreSQL in integration): counts
 * of imports, idempotency (revision and updated_at untouched by a re-import), expiry, cascade, paging.
 */
export function defineLabelsSuite(name: string, makeDb: () => Promise<Database>): void {
  describe(name, () => {
    let db: Database;
    let labels: LabelRepository;
    const revision = async () => BigInt(await labels.screeningRevision());
    const createList = (id = "deny-1", kind: "deny" | "allow" | "watch" = "deny") =>
      labels.upsertList({ id, name: `List ${id}`, kind, actor: "user:admin" });

    beforeAll(async () => {
      db = await makeDb();
      await runMigrations(db);
      labels = createLabelRepository(db);
    });
    afterAll(async () => {
      await db.close();
    });
    beforeEach(async () => {
      await db.query("TRUNCATE address_lists CASCADE");
    });

    describe("lists", () => {
      it("creates, leaves an equal upsert alone and updates a changed one", async () => {
        const before = await revision();
        const created = await labels.upsertList({
          id: "forta-phishing-scams",
          name: "Forta phishing scams",
          kind: "deny",
          description: "Etherscan phish-hack",
          source: "forta-network/labelled-datasets",
          actor: "user:admin",
        });
        expect(created).toMatchObject({
          created: true,
          updated: false,
          list: {
            id: "forta-phishing-scams",
            name: "Forta phishing scams",
            kind: "deny",
            description: "Etherscan phish-hack",
            source: "forta-network/labelled-datasets",
            createdBy: "user:admin",
            updatedBy: "user:admin",
            labelCount: 0,
          },
        });
        expect(await revision()).toBe(before + 1n);

        const again = await labels.upsertList({
          id: "forta-phishing-scams",
          name: "Forta phishing scams",
          kind: "deny",
          actor: "user:other",
        });
        expect(again).toMatchObject({ created: false, updated: false });
        // Omitted description and source keep the stored ones; nothing was written.
        expect(again.list).toEqual(created.list);
        expect(await revision()).toBe(before + 1n);

        const renamed = await labels.upsertList({
          id: "forta-phishing-scams",
          name: "Phishing",
          kind: "watch",
          description: null,
          actor: "user:other",
        });
        expect(renamed).toMatchObject({
          created: false,
          updated: true,
          list: {
            name: "Phishing",
            kind: "watch",
            description: null,
            source: "forta-network/labelled-datasets",
          },
        });
        expect(renamed.list.updatedBy).toBe("user:other");
        expect(renamed.list.createdAt).toBe(created.list.createdAt);
        expect(await revision()).toBe(before + 2n);
      });

      it("lists by id with label counts, gets one, deletes with its labels (cascade)", async () => {
        await createList("b-list", "allow");
        await createList("a-list", "deny");
        await labels.importLabels("a-list", [phishing(A), phishing(B)], "user:admin");
        expect((await labels.listLists()).map((list) => [list.id, list.kind, list.labelCount])).toEqual([
          ["a-list", "deny", 2],
          ["b-list", "allow", 0],
        ]);
        expect(await labels.getList("c-list")).toBeNull();

        const before = await revision();
        expect(await labels.deleteList("a-list", "user:admin")).toBe(true);
        expect(await revision()).toBeGreaterThan(before);
        expect(await labels.labelsFor(A)).toEqual([]);
        const { rows } = await db.query<{ count: number }>(
          "SELECT count(*)::int AS count FROM address_labels",
        );
        expect(rows[0]?.count).toBe(0);
        expect(await labels.deleteList("a-list", "user:admin")).toBe(false);
        expect((await labels.listLists()).map((list) => list.id)).toEqual(["b-list"]);
      });

      it("refuses a malformed list with a validation error", async () => {
        const bad = [
          { id: "Upper", name: "x", kind: "deny", actor: "a" },
          { id: "-dash-first", name: "x", kind: "deny", actor: "a" },
          { id: "ok", name: "", kind: "deny", actor: "a" },
          { id: "ok", name: "x", kind: "block", actor: "a" },
          { id: "ok", name: "x", kind: "deny", actor: "" },
        ];
        for (const input of bad) {
          await expect(labels.upsertList(input as never)).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
        }
        expect(await labels.listLists()).toEqual([]);
      });
    });

    describe("importLabels", () => {
      it("counts inserts, collapses duplicates (the last wins) and lower-cases addresses", async () => {
        await createList();
        const before = await revision();
        const result = await labels.importLabels(
          "deny-1",
          [
            phishing(A.toUpperCase().replace("0X", "0x"), { note: "first" }),
            phishing(B),
            phishing(A, { note: "second", confidence: 0.9 }),
          ],
          "cli:seed",
        );
        expect(result).toEqual({
          inserted: 2,
          updated: 0,
          unchanged: 0,
          deleted: 0,
          duplicates: 1,
          revision: String(before + 1n),
        });
        const [label] = await labels.labelsFor(A);
        expect(label).toMatchObject({
          address: A,
          chainId: 1,
          listId: "deny-1",
          category: "phishing",
          source: "etherscan:phish-hack",
          confidence: 0.9,
          note: "second",
          createdBy: "cli:seed",
          updatedBy: "cli:seed",
          expiresAt: null,
          isExpired: false,
          list: { id: "deny-1", name: "List deny-1", kind: "deny" },
        });
        const { rows } = await db.query<{ changed_by: string }>("SELECT changed_by FROM screening_revision");
        expect(rows[0]?.changed_by).toBe("cli:seed");
      });

      it("re-importing identical rows changes nothing: counts, updated_at and revision", async () => {
        await createList();
        const rows = [phishing(A, { confidence: 0.7, expiresAt: "2999-01-01T00:00:00Z" }), phishing(B)];
        await labels.importLabels("deny-1", rows, "cli:seed");
        const stored = await labels.listLabels({ limit: 10 });
        const before = await revision();

        const again = await labels.importLabels("deny-1", rows, "cli:other");
        expect(again).toEqual({
          inserted: 0,
          updated: 0,
          unchanged: 2,
          deleted: 0,
          duplicates: 0,
          revision: String(before),
        });
        expect(await revision()).toBe(before);
        expect(await labels.listLabels({ limit: 10 })).toEqual(stored);
      });

      it("counts a changed field as updated and bumps the revision once", async () => {
        await createList();
        await labels.importLabels("deny-1", [phishing(A), phishing(B), phishing(C)], "cli:seed");
        const [storedA] = await labels.labelsFor(A);
        const before = await revision();

        const result = await labels.importLabels(
          "deny-1",
          [phishing(A, { category: "scam" }), phishing(B), phishing(C, { note: null })],
          "user:analyst",
        );
        expect(result).toMatchObject({ inserted: 0, updated: 2, unchanged: 1 });
        expect(await revision()).toBe(before + 1n);
        const [changedA] = await labels.labelsFor(A);
        expect(changedA).toMatchObject({
          category: "scam",
          createdBy: "cli:seed",
          updatedBy: "user:analyst",
        });
        expect(changedA?.createdAt).toBe(storedA?.createdAt);
        expect(changedA?.updatedAt).not.toBe(storedA?.updatedAt);
        expect((await labels.labelsFor(C))[0]?.note).toBeNull();
      });

      it("writes one statement per batch and reports progress", async () => {
        await createList();
        const rows = Array.from({ length: 2_500 }, (_, index) =>
          phishing(`0x${index.toString(16).padStart(40, "0")}`),
        );
        const progress: number[] = [];
        const result = await labels.importLabels("deny-1", rows, "cli:seed", {
          batchSize: 1_000,
          onProgress: ({ done, total }) => {
            expect(total).toBe(2_500);
            progress.push(done);
          },
        });
        expect(progress).toEqual([1_000, 2_000, 2_500]);
        expect(result).toMatchObject({ inserted: 2_500, updated: 0, unchanged: 0 });
        expect((await labels.getList("deny-1"))?.labelCount).toBe(2_500);
      });

      it("replace mode deletes the list's labels that are not in the rows, and no other list's", async () => {
        await createList("deny-1");
        await createList("deny-2");
        await labels.importLabels("deny-1", [phishing(A), phishing(B), phishing(C)], "cli:seed");
        await labels.importLabels("deny-2", [phishing(A)], "cli:seed");
        const result = await labels.importLabels(
          "deny-1",
          [phishing(B), phishing(C, { note: "changed" }), phishing(D)],
          "cli:seed",
          { mode: "replace" },
        );
        expect(result).toMatchObject({ inserted: 1, updated: 1, unchanged: 1, deleted: 1 });
        expect((await labels.labelsFor(A)).map((label) => label.listId)).toEqual(["deny-2"]);
        const again = await labels.importLabels(
          "deny-1",
          [phishing(B), phishing(C, { note: "changed" }), phishing(D)],
          "cli:seed",
          { mode: "replace" },
        );
        expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 3, deleted: 0 });
      });

      it("keeps one label per list, chain and address", async () => {
        await createList("deny-1");
        await createList("allow-1", "allow");
        await labels.importLabels("deny-1", [phishing(A), phishing(A, { chainId: 10 })], "cli:seed");
        await labels.importLabels("allow-1", [{ address: A, category: "exchange" }], "cli:seed");
        expect(
          (await labels.labelsFor(A)).map((label) => [label.listId, label.list.kind, label.category]),
        ).toEqual([
          ["allow-1", "allow", "exchange"],
          ["deny-1", "deny", "phishing"],
        ]);
        expect((await labels.labelsFor(A, 10)).map((label) => label.listId)).toEqual(["deny-1"]);
        expect(await labels.labelsFor(A, 137)).toEqual([]);
      });

      it("refuses an invalid row or an unknown list and writes nothing", async () => {
        await createList();
        const before = await revision();
        const bad: LabelInput[] = [
          phishing("0x1234"),
          phishing(A, { category: "evil" as never }),
          phishing(A, { confidence: 1.5 }),
          phishing(A, { chainId: 0 }),
          phishing(A, { expiresAt: "next tuesday" }),
          phishing(A, { note: "nul\0byte" }),
        ];
        for (const row of bad) {
          await expect(labels.importLabels("deny-1", [phishing(B), row], "cli:seed")).rejects.toMatchObject({
            code: "VALIDATION_ERROR",
            details: { index: 1 },
          });
        }
        await expect(labels.importLabels("no-such-list", [phishing(A)], "cli:seed")).rejects.toMatchObject({
          code: "LABEL_LIST_NOT_FOUND",
        });
        await expect(labels.importLabels("Bad List", [phishing(A)], "cli:seed")).rejects.toMatchObject({
          code: "VALIDATION_ERROR",
        });
        expect(await labels.listLabels({ limit: 10 })).toEqual({ labels: [], nextCursor: null });
        expect(await revision()).toBe(before);
      });
    });

    describe("single labels", () => {
      it("upserts, gets and deletes one label", async () => {
        await createList();
        const created = await labels.upsertLabel("deny-1", phishing(A), "user:analyst");
        expect(created).toMatchObject({
          created: true,
          updated: false,
          label: { address: A, note: "Fake_Phishing1" },
        });
        const same = await labels.upsertLabel("deny-1", phishing(A), "user:analyst");
        expect(same).toMatchObject({ created: false, updated: false, label: created.label });
        const changed = await labels.upsertLabel("deny-1", phishing(A, { note: "confirmed" }), "user:lead");
        expect(changed).toMatchObject({ created: false, updated: true, label: { id: created.label.id } });
        expect(await labels.getLabel(created.label.id)).toMatchObject({
          note: "confirmed",
          updatedBy: "user:lead",
          list: { id: "deny-1", kind: "deny" },
        });

        const before = await revision();
        expect(await labels.deleteLabel(created.label.id, "user:lead")).toBe(true);
        expect(await revision()).toBe(before + 1n);
        expect(await labels.deleteLabel(created.label.id, "user:lead")).toBe(false);
        expect(await labels.getLabel(created.label.id)).toBeNull();
        await expect(labels.getLabel("abc")).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
      });
    });

    describe("expiry and the screening snapshot", () => {
      it("leaves expired labels out of the snapshot and of labelsFor unless asked", async () => {
        await createList("deny-1");
        await createList("allow-1", "allow");
        await labels.importLabels(
          "deny-1",
          [
            phishing(A, { expiresAt: "2000-01-01T00:00:00Z" }),
            phishing(B, { expiresAt: "2999-01-01T00:00:00.000Z", confidence: 0.25 }),
            phishing(C),
          ],
          "cli:seed",
        );
        await labels.importLabels(
          "allow-1",
          [{ address: C, category: "exchange", source: "ops" }],
          "cli:seed",
        );
        const snapshot = await labels.screeningSnapshot();
        expect(snapshot.revision).toBe(await labels.screeningRevision());
        expect(Date.parse(snapshot.takenAt)).toBeGreaterThan(Date.parse("2020-01-01T00:00:00Z"));
        expect(snapshot.entries.map(({ labelId: _id, ...entry }) => entry)).toEqual([
          {
            address: B,
            chainId: 1,
            listId: "deny-1",
            listName: "List deny-1",
            listKind: "deny",
            category: "phishing",
            source: "etherscan:phish-hack",
            confidence: 0.25,
            expiresAt: "2999-01-01T00:00:00.000Z",
          },
          {
            address: C,
            chainId: 1,
            listId: "allow-1",
            listName: "List allow-1",
            listKind: "allow",
            category: "exchange",
            source: "ops",
            confidence: 1,
            expiresAt: null,
          },
          {
            address: C,
            chainId: 1,
            listId: "deny-1",
            listName: "List deny-1",
            listKind: "deny",
            category: "phishing",
            source: "etherscan:phish-hack",
            confidence: 1,
            expiresAt: null,
          },
        ]);
        expect(await labels.labelsFor(A)).toEqual([]);
        expect(await labels.labelsFor(A, 1, { includeExpired: true })).toMatchObject([
          { address: A, isExpired: true, expiresAt: "2000-01-01T00:00:00.000Z" },
        ]);
      });

      it("an empty store has an empty snapshot", async () => {
        const snapshot = await labels.screeningSnapshot();
        expect(snapshot.entries).toEqual([]);
        expect(snapshot.revision).toMatch(/^\d+$/);
      });
    });

    describe("listLabels", () => {
      it("pages newest first and filters by list and address", async () => {
        await createList("deny-1");
        await createList("deny-2");
        await labels.importLabels("deny-1", [phishing(A), phishing(B), phishing(C)], "cli:seed");
        await labels.importLabels("deny-2", [phishing(A), phishing(D)], "cli:seed");

        const first = await labels.listLabels({ limit: 2 });
        expect(first.labels.map((label) => [label.listId, label.address])).toEqual([
          ["deny-2", D],
          ["deny-2", A],
        ]);
        expect(first.nextCursor).not.toBeNull();
        const second = await labels.listLabels({ limit: 2, cursor: first.nextCursor ?? "" });
        expect(second.labels.map((label) => label.address)).toEqual([C, B]);
        const third = await labels.listLabels({ limit: 2, cursor: second.nextCursor ?? "" });
        expect(third).toMatchObject({ nextCursor: null });
        expect(third.labels.map((label) => label.address)).toEqual([A]);

        const ofList = await labels.listLabels({ listId: "deny-1", limit: 10 });
        expect(ofList.labels.map((label) => label.address)).toEqual([C, B, A]);
        const ofAddress = await labels.listLabels({
          address: A.toUpperCase().replace("0X", "0x"),
          limit: 10,
        });
        expect(ofAddress.labels.map((label) => label.listId)).toEqual(["deny-2", "deny-1"]);

        await expect(labels.listLabels({ limit: 0 })).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
        await expect(labels.listLabels({ limit: 10, cursor: "bogus!" })).rejects.toMatchObject({
          code: "VALIDATION_ERROR",
        });
        await expect(labels.listLabels({ limit: 10, address: "0x12" })).rejects.toMatchObject({
          code: "VALIDATION_ERROR",
        });
      });
    });
  });
}
