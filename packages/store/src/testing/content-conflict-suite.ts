import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../database.ts";
import { runMigrations } from "../migrations/index.ts";
import { createRepositories, type Repositories } from "../repositories/index.ts";
import { type CountingDatabase, countingDatabase } from "./counting-database.ts";
import { randomHash, scoredRecord } from "./fixtures.ts";

// Fingerprints written out by hand (43 base64url characters, the stored form); the store treats them as
// opaque, so these tests do not depend on how @chainwatch/model computes them.
const BENIGN = "b".repeat(43);
const WHALE = "w".repeat(43);
const THIRD = "t".repeat(43);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Content conflicts: a known hash recorded again with other content. The same suite runs on PGlite (unit)
 * and on the real PostgreSQL (integration), like the repository suite.
 */
export function defineContentConflictSuite(name: string, makeDb: () => Promise<Database>): void {
  describe(name, () => {
    let db: CountingDatabase;
    let repos: Repositories;

    beforeAll(async () => {
      db = countingDatabase(await makeDb());
      await runMigrations(db);
      repos = createRepositories(db);
    });

    afterAll(async () => {
      await db.close();
    });

    beforeEach(async () => {
      await db.query("TRUNCATE transactions, predictions, anomalies, transaction_conflicts, audit_logs");
      db.reset();
    });

    const count = async (table: string) =>
      Number((await db.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);

    /** The benign-looking request an attacker sends first, and the real 250,000 ETH transaction. */
    const benign = (hash: string) =>
      scoredRecord({
        hash,
        valueWei: 1_000_000_000_000_000_000n,
        severity: "low",
        anomalyScore: 0.31,
        contentFingerprint: BENIGN,
        // scored after the real one: the verdict shown must follow the stored content, not the newest row
        scoredAt: new Date("2025-05-01T12:00:00.000Z"),
        origin: {
          source: "predict",
          requestId: "req-benign",
          principal: "api_key:attacker",
          ip: "203.0.113.7",
          userAgent: "curl/8.5.0",
        },
      });
    const whale = (hash: string) =>
      scoredRecord({
        hash,
        valueWei: 250_000_000_000_000_000_000_000n,
        severity: "critical",
        anomalyScore: 0.93,
        contentFingerprint: WHALE,
        scoredAt: new Date("2025-05-01T11:00:00.000Z"),
        origin: { source: "stream", requestId: "req-real", principal: null },
      });

    it("a re-record of the same content stays one row of each, with no conflict", async () => {
      const hash = randomHash();
      expect(await repos.recordScored([benign(hash)])).toEqual({
        transactions: 1,
        predictions: 1,
        anomalies: 0,
        conflicts: [],
      });
      const again = { ...benign(hash), origin: { source: "ingest" as const, requestId: "req-again" } };
      expect(await repos.recordScored([again, benign(hash)])).toEqual({
        transactions: 0,
        predictions: 0,
        anomalies: 0,
        conflicts: [],
      });
      expect([
        await count("transactions"),
        await count("predictions"),
        await count("transaction_conflicts"),
      ]).toEqual([1, 1, 0]);
      expect(await repos.getTransaction(hash)).toMatchObject({
        valueWei: "1000000000000000000",
        contentFingerprint: BENIGN,
        contentChangedAt: null,
        latestPrediction: { severity: "low", anomalyScore: 0.31 },
      });
      expect(await repos.transactionConflicts(hash)).toEqual([]);
    });

    it("other content for a known hash is stored as the latest content, shown with its own verdict, and recorded as a conflict", async () => {
      const hash = randomHash();
      await repos.recordScored([benign(hash)]);
      const stored = await repos.recordScored([whale(hash)]);
      expect(stored).toEqual({
        transactions: 1,
        predictions: 1,
        anomalies: 1,
        conflicts: [
          {
            id: expect.stringMatching(/^\d+$/),
            hash,
            previousFingerprint: BENIGN,
            fingerprint: WHALE,
            modelVersion: "iforest-1.0.0",
            origin: { source: "stream", requestId: "req-real", principal: null },
            detectedAt: expect.stringMatching(ISO),
          },
        ],
      });

      const view = await repos.getTransaction(hash);
      expect(view).toMatchObject({
        hash,
        valueWei: "250000000000000000000000",
        contentFingerprint: WHALE,
        contentChangedAt: expect.stringMatching(ISO),
        latestPrediction: {
          severity: "critical",
          anomalyScore: 0.93,
          isAnomaly: true,
          createdAt: "2025-05-01T11:00:00.000Z",
        },
      });
      expect(await repos.transactionConflicts(hash.toUpperCase().replace("0X", "0x"))).toEqual([
        {
          id: stored.conflicts?.[0]?.id,
          hash,
          previousFingerprint: BENIGN,
          fingerprint: WHALE,
          modelVersion: "iforest-1.0.0",
          origin: { source: "stream", requestId: "req-real", principal: null },
          detectedAt: stored.conflicts?.[0]?.detectedAt,
        },
      ]);
      // one transaction row; both contents' predictions are kept, each under its fingerprint
      expect(await count("transactions")).toBe(1);
      const { rows } = await db.query<{ content_fingerprint: string; severity: string }>(
        "SELECT content_fingerprint, severity FROM predictions WHERE tx_hash = $1 ORDER BY content_fingerprint",
        [hash],
      );
      expect(rows).toEqual([
        { content_fingerprint: BENIGN, severity: "low" },
        { content_fingerprint: WHALE, severity: "critical" },
      ]);
      expect((await repos.listAnomalies({ limit: 10 })).total).toBe(1);
      const audit = await db.query<Record<string, unknown>>(
        "SELECT principal_type, principal_id, request_id, resource FROM audit_logs WHERE action = 'transaction.conflict'",
      );
      expect(audit.rows).toEqual([
        {
          principal_type: "system",
          principal_id: null,
          request_id: "req-real",
          resource: `/api/v1/transactions/${hash}`,
        },
      ]);

      // the real transaction redelivered: a replay, nothing new
      expect(await repos.recordScored([whale(hash)])).toEqual({
        transactions: 0,
        predictions: 0,
        anomalies: 0,
        conflicts: [],
      });
      expect(await count("transaction_conflicts")).toBe(1);
      expect(await count("audit_logs")).toBe(1);
    });

    it("switching back is another conflict, and the earlier content's anomaly stays listed for review", async () => {
      const hash = randomHash();
      await repos.recordScored([whale(hash)]);
      const back = await repos.recordScored([benign(hash)]);
      expect(back.conflicts).toEqual([
        expect.objectContaining({
          previousFingerprint: WHALE,
          fingerprint: BENIGN,
          origin: expect.objectContaining({ source: "predict", principal: "api_key:attacker" }),
        }),
      ]);
      expect(await repos.getTransaction(hash)).toMatchObject({
        valueWei: "1000000000000000000",
        contentFingerprint: BENIGN,
        latestPrediction: { severity: "low", anomalyScore: 0.31 },
      });
      const anomalies = await repos.listAnomalies({ limit: 10 });
      expect(anomalies.items.map((item) => [item.txHash, item.severity])).toEqual([[hash, "critical"]]);
      expect(
        (await repos.transactionConflicts(hash)).map((c) => [c.previousFingerprint, c.fingerprint]),
      ).toEqual([[WHALE, BENIGN]]);
      // audited in the same statement: who sent the new content, from where, in which request
      const { rows } = await db.query<Record<string, unknown>>(
        `SELECT action, outcome, principal_type, principal_id, ip, user_agent, request_id, resource, details
         FROM audit_logs WHERE action = 'transaction.conflict'`,
      );
      expect(rows).toEqual([
        {
          action: "transaction.conflict",
          outcome: "success",
          principal_type: "api_key",
          principal_id: "attacker",
          ip: "203.0.113.7",
          user_agent: "curl/8.5.0",
          request_id: "req-benign",
          resource: `/api/v1/transactions/${hash}`,
          details: {
            conflictId: back.conflicts?.[0]?.id,
            previousFingerprint: WHALE,
            fingerprint: BENIGN,
            modelVersion: "iforest-1.0.0",
            source: "predict",
          },
        },
      ]);
    });

    it("several contents for one hash in one batch: written in one transaction, the last one stored, each change a conflict", async () => {
      const hash = randomHash();
      const third = scoredRecord({ hash, valueWei: 3n, contentFingerprint: THIRD });
      // first appearances: benign, whale, third; benign appears again last, so it is the latest
      const result = await repos.recordScored([benign(hash), whale(hash), third, benign(hash)]);
      expect(result).toMatchObject({ transactions: 3, predictions: 3, anomalies: 1 });
      expect(result.conflicts?.map((c) => [c.previousFingerprint, c.fingerprint])).toEqual([
        [WHALE, THIRD],
        [THIRD, BENIGN],
      ]);
      expect(db.statements).toHaveLength(3);
      expect(await repos.getTransaction(hash)).toMatchObject({
        valueWei: "1000000000000000000",
        contentFingerprint: BENIGN,
      });
      expect(await count("transaction_conflicts")).toBe(2);
      // the stored content replayed (a no-op), then a switch (a conflict)
      const again = await repos.recordScored([benign(hash), whale(hash)]);
      expect(again.conflicts?.map((c) => [c.previousFingerprint, c.fingerprint])).toEqual([[BENIGN, WHALE]]);
      expect((await repos.getTransaction(hash))?.contentFingerprint).toBe(WHALE);
    });

    it("concurrent writers of other content each see the other's committed content", async () => {
      const hash = randomHash();
      await repos.recordScored([scoredRecord({ hash, valueWei: 3n, contentFingerprint: THIRD })]);
      const [first, second] = await Promise.all([
        repos.recordScored([benign(hash)]),
        repos.recordScored([whale(hash)]),
      ]);
      const conflicts = [...(first.conflicts ?? []), ...(second.conflicts ?? [])].sort(
        (a, b) => Number(a.id) - Number(b.id),
      );
      expect(conflicts).toHaveLength(2);
      const [earlier, later] = conflicts;
      // a chain: third → one of them → the other; never both replacing `third`
      expect(earlier?.previousFingerprint).toBe(THIRD);
      expect(later?.previousFingerprint).toBe(earlier?.fingerprint);
      expect((await repos.getTransaction(hash))?.contentFingerprint).toBe(later?.fingerprint);
    });

    it("adopts a row stored before fingerprints: silently when its columns match, as a conflict when they differ", async () => {
      const same = randomHash();
      const changed = randomHash();
      await repos.recordScored([benign(same), benign(changed)]);
      await db.query("UPDATE transactions SET content_fingerprint = NULL");
      await db.query("UPDATE predictions SET content_fingerprint = NULL");
      expect((await repos.getTransaction(same))?.latestPrediction).toMatchObject({ severity: "low" });

      const adopted = await repos.recordScored([benign(same), whale(changed)]);
      expect(adopted.conflicts).toEqual([
        expect.objectContaining({ hash: changed, previousFingerprint: null, fingerprint: WHALE }),
      ]);
      expect(await repos.getTransaction(same)).toMatchObject({
        contentFingerprint: BENIGN,
        contentChangedAt: null,
        latestPrediction: { severity: "low" },
      });
      expect(await repos.getTransaction(changed)).toMatchObject({
        valueWei: "250000000000000000000000",
        contentFingerprint: WHALE,
        contentChangedAt: expect.stringMatching(ISO),
        latestPrediction: { severity: "critical" },
      });
      // adopted now: the same content again is a replay
      expect((await repos.recordScored([benign(same)])).conflicts).toEqual([]);
    });

    it("refuses a record without a well-formed fingerprint, and cuts origin text it cannot keep", async () => {
      const missing = { ...benign(randomHash()), contentFingerprint: undefined } as never;
      await expect(repos.recordScored([benign(randomHash()), missing])).rejects.toMatchObject({
        code: "VALIDATION_ERROR",
        details: { index: 1, field: "contentFingerprint" },
      });
      const short = { ...benign(randomHash()), contentFingerprint: "abc" };
      await expect(repos.recordScored([short])).rejects.toMatchObject({
        details: { field: "contentFingerprint" },
      });
      expect(await count("transactions")).toBe(0);

      const hash = randomHash();
      await repos.recordScored([benign(hash)]);
      const noisy = {
        ...whale(hash),
        origin: { source: "stream" as const, requestId: "r".repeat(300), principal: "bad \u0000 text" },
      };
      const [conflict] = (await repos.recordScored([noisy])).conflicts ?? [];
      expect(conflict?.origin).toMatchObject({ requestId: "r".repeat(300) });
      expect(await repos.transactionConflicts(hash)).toEqual([
        expect.objectContaining({
          origin: { source: "stream", requestId: "r".repeat(256), principal: null },
        }),
      ]);
    });
  });
}
