import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../database.ts";
import { runMigrations } from "../migrations/index.ts";
import { createRepositories, type Repositories } from "../repositories/index.ts";
import type { ListAnomaliesOptions, ScoredTransactionRecord, Severity } from "../repositories/types.ts";
import { scoredRecord } from "./fixtures.ts";

const ALICE = `0x${"a1".repeat(20)}`;
const BOB = `0x${"b2".repeat(20)}`;
const CAROL = `0x${"c3".repeat(20)}`;
const base = Date.parse("2025-06-01T00:00:00Z");

interface Row {
  name: string;
  from: string;
  to: string | null;
  level: Severity;
  reasons: ScoredTransactionRecord["prediction"]["reasons"];
}

const reason = (kind: "model" | "context" | "label" | "rule", code: string, suppressed = false) => ({
  kind,
  code,
  message: code,
  surprise: 1,
  data: {},
  ...(suppressed ? { suppressed: true } : {}),
});

/** Five anomalies, one a minute, named so a failing filter says which rows it returned. */
const ROWS: Row[] = [
  { name: "a", from: ALICE, to: BOB, level: "high", reasons: [reason("model", "model_outlier")] },
  { name: "b", from: BOB, to: CAROL, level: "critical", reasons: [reason("label", "deny_listed_recipient")] },
  {
    name: "c",
    from: CAROL,
    to: null,
    level: "medium",
    reasons: [reason("context", "sender_burst", true), reason("model", "model_outlier")],
  },
  { name: "d", from: CAROL, to: ALICE, level: "high", reasons: [reason("context", "sender_burst")] },
  { name: "e", from: BOB, to: BOB, level: "low", reasons: [] },
];

/**
 * The anomaly listing's filters (address, reason code and kind, screening list, review state, combined
 * level), run against every driver like the repository suite.
 */
export function defineAnomalyFilterSuite(name: string, makeDb: () => Promise<Database>): void {
  describe(name, () => {
    let db: Database;
    let repos: Repositories;
    const nameOf = new Map<string, string>();

    beforeAll(async () => {
      db = await makeDb();
      await runMigrations(db);
      repos = createRepositories(db);
    });
    afterAll(async () => {
      await db.close();
    });

    beforeEach(async () => {
      await db.query(
        "TRUNCATE transactions, predictions, anomalies, address_labels, address_lists RESTART IDENTITY CASCADE",
      );
      nameOf.clear();
      const records = ROWS.map((row, minute) => {
        const record = scoredRecord({ severity: "high", scoredAt: new Date(base + minute * 60_000) });
        nameOf.set(record.transaction.hash, row.name);
        return {
          ...record,
          transaction: { ...record.transaction, from: row.from, to: row.to },
          prediction: { ...record.prediction, riskLevel: row.level, reasons: row.reasons },
        };
      });
      await repos.recordScored(records);
    });

    /** Names of the rows a filter returns, newest first, and the total it counts. */
    const listed = async (filters: Omit<ListAnomaliesOptions, "limit">, limit = 10) => {
      const page = await repos.listAnomalies({ limit, ...filters });
      return { names: page.items.map((item) => nameOf.get(item.txHash)).join(""), total: page.total };
    };

    it("by address, as sender or recipient", async () => {
      expect(await listed({ address: ALICE })).toEqual({ names: "da", total: 2 });
      expect(await listed({ address: BOB })).toEqual({ names: "eba", total: 3 });
      expect(await listed({ address: `0x${"9".repeat(40)}` })).toEqual({ names: "", total: 0 });
    });

    it("by reason code and kind, counting only reasons that were not suppressed", async () => {
      expect(await listed({ reasonCode: "sender_burst" })).toEqual({ names: "d", total: 1 });
      expect(await listed({ reasonCode: "model_outlier" })).toEqual({ names: "ca", total: 2 });
      expect(await listed({ reasonKind: "context" })).toEqual({ names: "d", total: 1 });
      expect(await listed({ reasonKind: "label" })).toEqual({ names: "b", total: 1 });
      expect(await listed({ reasonKind: "model", reasonCode: "sender_burst" })).toEqual({
        names: "",
        total: 0,
      });
    });

    it("by screening list: a party with an unexpired label on it", async () => {
      await db.query(
        `INSERT INTO address_lists (id, name, kind, created_by, updated_by)
         VALUES ('desk', 'Desk', 'watch', 't', 't'), ('old', 'Old', 'deny', 't', 't')`,
      );
      await db.query(
        `INSERT INTO address_labels (list_id, address, category, created_by, updated_by, expires_at)
         VALUES ('desk', $1, 'exchange', 't', 't', NULL), ('old', $2, 'scam', 't', 't', now() - interval '1 day')`,
        [ALICE, BOB],
      );
      expect(await listed({ listId: "desk" })).toEqual({ names: "da", total: 2 });
      expect(await listed({ listId: "old" })).toEqual({ names: "", total: 0 });
    });

    it("by review state and by the combined level, with the others and with pages", async () => {
      const page = await repos.listAnomalies({ limit: 10 });
      const d = page.items.find((item) => nameOf.get(item.txHash) === "d");
      await repos.reviewAnomaly(d?.id ?? "", { reviewedBy: "t", falsePositive: true });
      expect(await listed({ reviewed: true })).toEqual({ names: "d", total: 1 });
      expect(await listed({ reviewed: false })).toEqual({ names: "ecba", total: 4 });
      expect(await listed({ level: ["high"] })).toEqual({ names: "da", total: 2 });
      expect(await listed({ level: ["high", "critical"], reviewed: false, address: BOB })).toEqual({
        names: "ba",
        total: 2,
      });
      const first = await repos.listAnomalies({ limit: 1, address: BOB });
      const second = await repos.listAnomalies({ limit: 1, address: BOB, cursor: first.nextCursor ?? "" });
      expect([first, second].map((result) => nameOf.get(result.items[0]?.txHash ?? ""))).toEqual(["e", "b"]);
      expect(second.total).toBe(3);
    });

    it("refuses values that are not what they claim to be", async () => {
      for (const filters of [
        { address: "0xABC" },
        { address: `0x${"A".repeat(40)}` },
        { reasonCode: "x'; DROP TABLE anomalies; --" },
        { reasonKind: "weird" as "model" },
        { listId: "Desk List" },
        { level: ["severe" as Severity] },
      ])
        await expect(repos.listAnomalies({ limit: 1, ...filters })).rejects.toMatchObject({
          code: "VALIDATION_ERROR",
        });
    });
  });
}
