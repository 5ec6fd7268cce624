import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../database.ts";
import { runMigrations } from "../migrations/index.ts";
import { createRepositories, type Repositories } from "../repositories/index.ts";
import {
  createPendingTransactionsRepository,
  type PendingTransactionsRepository,
} from "../repositories/pending-transactions.ts";
import type { ScoredTransactionRecord } from "../repositories/types.ts";
import { randomHash, scoredRecord } from "./fixtures.ts";

// Opaque fingerprints written out (the store does not compute them).
const PENDING = "p".repeat(43);
const MINED = "m".repeat(43);
const FORGED = "f".repeat(43);
const CHAIN = 31_337;

/** The record of a transaction scored while pending (no block) or once mined (block, effective gas price). */
function scoredAs(
  hash: string,
  stage: "pending" | "mined",
  overrides: { isAnomaly?: boolean; valueWei?: bigint; contentFingerprint?: string } = {},
): ScoredTransactionRecord {
  const base = scoredRecord({
    hash,
    severity: overrides.isAnomaly === false ? "low" : "critical",
    contentFingerprint: overrides.contentFingerprint ?? (stage === "pending" ? PENDING : MINED),
    ...(overrides.valueWei !== undefined ? { valueWei: overrides.valueWei } : {}),
    origin: { source: "stream", requestId: `chain:${CHAIN}:${stage}` },
  });
  const transaction =
    stage === "pending"
      ? { ...base.transaction, blockNumber: null, timestamp: null, gasPriceWei: 40_000_000_000n }
      : {
          ...base.transaction,
          blockNumber: 19_000_001,
          timestamp: 1_700_000_012,
          gasPriceWei: 31_000_000_000n,
        };
  return { ...base, transaction };
}

/**
 * Mempool mode in the store (migration 0013): a pending result and its mined result are one transaction
 * with one anomaly, and the pending watcher's record reconciles with blocks. Runs on PGlite and PostgreSQL.
 */
export function defineMempoolSuite(name: string, makeDb: () => Promise<Database>): void {
  describe(name, () => {
    let db: Database;
    let repos: Repositories;
    let pending: PendingTransactionsRepository;

    beforeAll(async () => {
      db = await makeDb();
      await runMigrations(db);
      repos = createRepositories(db);
      pending = createPendingTransactionsRepository(db);
    });
    afterAll(async () => {
      await db.close();
    });
    beforeEach(async () => {
      await db.query(
        "TRUNCATE transactions, predictions, anomalies, transaction_conflicts, audit_logs, chain_pending_transactions, chain_inclusions",
      );
    });

    const countWhere = async (table: string, hash: string) =>
      Number(
        (
          await db.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${table} WHERE tx_hash = $1`, [
            hash,
          ])
        ).rows[0]?.n,
      );

    it("stores the mined result over the pending one with no conflict, one anomaly, and a reference", async () => {
      const hash = randomHash();
      expect((await repos.recordScored([scoredAs(hash, "pending")])).anomalies).toBe(1);
      const mined = await repos.recordScored([scoredAs(hash, "mined")]);
      expect(mined).toEqual({ transactions: 1, predictions: 1, anomalies: 0, conflicts: [] });
      // A redelivery of the mined result (Kafka) adds nothing either.
      expect(await repos.recordScored([scoredAs(hash, "mined")])).toEqual({
        transactions: 0,
        predictions: 0,
        anomalies: 0,
        conflicts: [],
      });

      expect(await countWhere("anomalies", hash)).toBe(1);
      expect(await countWhere("predictions", hash)).toBe(2);
      expect(await countWhere("transaction_conflicts", hash)).toBe(0);
      const [anomaly] = (
        await db.query<{ content_fingerprint: string }>(
          "SELECT content_fingerprint FROM anomalies WHERE tx_hash = $1",
          [hash],
        )
      ).rows;
      expect(anomaly?.content_fingerprint).toBe(PENDING);
      const view = await repos.getTransaction(hash);
      expect(view?.blockNumber).toBe(19_000_001);
      expect(view?.gasPriceWei).toBe("31000000000");
      expect(view?.contentFingerprint).toBe(MINED);
      expect(view?.contentChangedAt).toBeNull();
      expect(view?.chain).toEqual({
        status: "mined",
        pendingSeenAt: null,
        resolvedAt: null,
        replacedBy: null,
        leadTimeMs: null,
        pendingContentFingerprint: PENDING,
      });
    });

    it("adds the mined anomaly when the pending result was not one", async () => {
      const hash = randomHash();
      await repos.recordScored([scoredAs(hash, "pending", { isAnomaly: false })]);
      expect((await repos.recordScored([scoredAs(hash, "mined")])).anomalies).toBe(1);
      expect(await countWhere("anomalies", hash)).toBe(1);
    });

    it("still records a conflict when the mined content differs in what the sender signed", async () => {
      const hash = randomHash();
      await repos.recordScored([scoredAs(hash, "pending")]);
      const forged = scoredAs(hash, "mined", { valueWei: 9n, contentFingerprint: FORGED });
      const result = await repos.recordScored([forged]);
      expect(result.conflicts?.map((c) => [c.previousFingerprint, c.fingerprint])).toEqual([
        [PENDING, FORGED],
      ]);
      expect(result.anomalies).toBe(1);
      expect((await repos.getTransaction(hash))?.contentChangedAt).not.toBeNull();
    });

    it("reconciles pending rows with a block: mined with lead time, same sender and nonce replaced", async () => {
      const [a, b, c] = [randomHash(), randomHash(), randomHash()];
      const sender = `0x${"a1".repeat(20)}`;
      const other = `0x${"b2".repeat(20)}`;
      await pending.recordSeen(CHAIN, [
        { hash: a, from: sender, nonce: 4 },
        { hash: b, from: sender, nonce: 5 },
        { hash: c, from: other, nonce: 0 },
      ]);
      // Seen twice (the node announces again): still one row.
      await pending.recordSeen(CHAIN, [{ hash: a, from: sender, nonce: 4 }]);
      const replacement = randomHash();
      const resolved = await pending.reconcileBlock(CHAIN, 12, [
        { hash: a, from: sender, nonce: 4, leadTimeMs: 1_500 },
        { hash: replacement, from: sender, nonce: 5 },
      ]);
      expect(resolved.sort((x, y) => x.status.localeCompare(y.status))).toEqual([
        { hash: a, status: "mined", replacedBy: null, leadTimeMs: 1_500 },
        { hash: b, status: "replaced", replacedBy: replacement, leadTimeMs: null },
      ]);
      // The same block again (a crash before the checkpoint) changes nothing.
      expect(await pending.reconcileBlock(CHAIN, 12, [{ hash: a, from: sender, nonce: 4 }])).toEqual([]);

      expect(await pending.dropOlderThan(CHAIN, 60_000)).toEqual([]);
      await db.query(
        "UPDATE chain_pending_transactions SET seen_at = now() - interval '2 minutes' WHERE tx_hash = $1",
        [c],
      );
      expect(await pending.dropOlderThan(CHAIN, 60_000)).toEqual([
        { hash: c, status: "dropped", replacedBy: null, leadTimeMs: null },
      ]);
      // Dropped is not final: a later block that mines it says so (lead time from the stored seen time).
      const late = await pending.reconcileBlock(CHAIN, 20, [{ hash: c, from: other, nonce: 0 }]);
      expect(late.map((row) => row.status)).toEqual(["mined"]);
      expect(late[0]?.leadTimeMs).toBeGreaterThanOrEqual(120_000);
    });

    it("shows the status in lookups", async () => {
      const [pendingHash, replacedHash, minedHash] = [randomHash(), randomHash(), randomHash()];
      for (const hash of [pendingHash, replacedHash]) await repos.recordScored([scoredAs(hash, "pending")]);
      const sender = `0x${"c3".repeat(20)}`;
      await pending.recordSeen(CHAIN, [
        { hash: pendingHash, from: `0x${"d4".repeat(20)}`, nonce: 1 },
        { hash: replacedHash, from: sender, nonce: 9 },
      ]);
      await pending.reconcileBlock(CHAIN, 30, [{ hash: minedHash, from: sender, nonce: 9 }]);
      const views = await repos.lookupTransactions([pendingHash, replacedHash]);
      expect(views.map((view) => [view.chain?.status, view.chain?.replacedBy ?? null])).toEqual([
        ["pending", null],
        ["replaced", minedHash],
      ]);
      expect(views[0]?.chain?.pendingSeenAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      expect(views[0]?.chain?.resolvedAt).toBeNull();
    });
  });
}
