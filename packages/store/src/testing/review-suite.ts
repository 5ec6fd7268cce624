import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../database.ts";
import { runMigrations } from "../migrations/index.ts";
import { createRepositories, type Repositories } from "../repositories/index.ts";
import { createLabelRepository, type LabelRepository } from "../repositories/labels.ts";
import { createReviewRepository, type ReviewRepository } from "../repositories/review.ts";
import { scoredRecord } from "./fixtures.ts";

const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
const ID = expect.stringMatching(/^[1-9]\d*$/);
const DAY_MS = 86_400_000;

const reason = (code: string, surprise: number, extra: Record<string, unknown> = {}) => ({
  kind: code === "model_outlier" ? "model" : code.endsWith("_listed") ? "label" : "context",
  code,
  message: `${code} message`,
  surprise,
  data: {},
  ...extra,
});

/**
 * The review loop's store against every driver (PGlite in unit tests, PostgreSQL in integration): a review
 * with its effect in one transaction, suppressions in the screening snapshot and their revocation, precision
 * by reason code on a hand-built set, and the re-screening writes.
 */
export function defineReviewSuite(name: string, makeDb: () => Promise<Database>): void {
  describe(name, () => {
    let db: Database;
    let repos: Repositories;
    let labels: LabelRepository;
    let review: ReviewRepository;
    const revision = async () => BigInt(await labels.screeningRevision());

    beforeAll(async () => {
      db = await makeDb();
      await runMigrations(db);
      repos = createRepositories(db);
      labels = createLabelRepository(db);
      review = createReviewRepository(db);
    });
    afterAll(async () => {
      await db.close();
    });
    beforeEach(async () => {
      await db.query("TRUNCATE transactions, address_lists, reason_suppressions, rescreen_changes CASCADE");
    });

    /** One stored anomaly with the given reasons; returns its id and parties. */
    const storeAnomaly = async (
      reasons: unknown[],
      options: { to?: string | null; detectedAt?: Date } = {},
    ) => {
      const record = scoredRecord({
        severity: "high",
        ...(options.to === undefined ? {} : { to: options.to }),
        ...(options.detectedAt ? { scoredAt: options.detectedAt } : {}),
      });
      record.prediction.reasons = reasons as typeof record.prediction.reasons;
      await repos.recordScored([record]);
      const { rows } = await db.query<{ id: string }>(
        "SELECT id::text AS id FROM anomalies WHERE tx_hash = $1",
        [record.transaction.hash],
      );
      const id = rows[0]?.id;
      if (!id) throw new Error("no anomaly stored");
      return {
        id,
        hash: record.transaction.hash,
        from: record.transaction.from ?? "",
        to: record.transaction.to,
      };
    };

    describe("review with a suppression", () => {
      it("records the review and the suppression together, moves the revision, and the snapshot holds it", async () => {
        const anomaly = await storeAnomaly([reason("sender_burst", 3.1)]);
        const before = await revision();
        const result = await review.review(anomaly.id, {
          falsePositive: true,
          note: "market maker",
          reviewedBy: "api_key:analyst",
          effect: {
            type: "suppress",
            party: "from",
            reasonCode: "sender_burst",
            days: 30,
            reason: "bot cadence",
          },
        });
        expect(result?.anomaly).toMatchObject({
          id: anomaly.id,
          reviewed: true,
          falsePositive: true,
          reviewNote: "market maker",
          reviewedBy: "api_key:analyst",
        });
        const suppression = {
          id: ID,
          chainId: 1,
          address: anomaly.from,
          reasonCode: "sender_burst",
          reason: "bot cadence",
          anomalyId: anomaly.id,
          createdBy: "api_key:analyst",
          createdAt: ISO,
          expiresAt: ISO,
          revokedBy: null,
          revokedAt: null,
          revokeReason: null,
          status: "active",
        };
        expect(result?.effect).toEqual({ type: "suppress", suppression });
        const stored = result?.effect?.type === "suppress" ? result.effect.suppression : undefined;
        const lasts = Date.parse(stored?.expiresAt ?? "") - Date.parse(stored?.createdAt ?? "");
        expect(lasts).toBe(30 * DAY_MS);
        expect(await revision()).toBeGreaterThan(before);

        const snapshot = await labels.screeningSnapshot();
        expect(snapshot.revision).toBe(await labels.screeningRevision());
        expect(snapshot.suppressions).toEqual([
          {
            suppressionId: stored?.id,
            address: anomaly.from,
            chainId: 1,
            reasonCode: "sender_burst",
            expiresAt: stored?.expiresAt,
            anomalyId: anomaly.id,
          },
        ]);
        const { rows } = await db.query<{ changed_by: string }>("SELECT changed_by FROM screening_revision");
        expect(rows[0]?.changed_by).toBe("api_key:analyst");
      });

      it("refuses an effect on a confirmed anomaly, and on a recipient a contract creation lacks", async () => {
        const anomaly = await storeAnomaly([reason("model_outlier", 4)], { to: null });
        const effect = {
          type: "suppress",
          party: "to",
          reasonCode: "model_outlier",
          days: 1,
          reason: "x",
        } as const;
        await expect(
          review.review(anomaly.id, { falsePositive: false, reviewedBy: "a", effect }),
        ).rejects.toMatchObject({ code: "VALIDATION_ERROR", details: { field: "effect" } });
        await expect(
          review.review(anomaly.id, { falsePositive: true, reviewedBy: "a", effect }),
        ).rejects.toMatchObject({ code: "VALIDATION_ERROR", details: { field: "effect.party" } });
        // all or nothing: the refused effect left the anomaly unreviewed
        const { items } = await repos.listAnomalies({ limit: 10 });
        expect(items.map((item) => item.reviewed)).toEqual([false]);
        const suppressions = await review.listSuppressions({ limit: 10 });
        expect(suppressions).toEqual({ suppressions: [], nextCursor: null });
      });

      it("refuses a label reason: a deny label is never muted", async () => {
        const anomaly = await storeAnomaly([reason("deny_listed", 5)]);
        await expect(
          review.review(anomaly.id, {
            falsePositive: true,
            reviewedBy: "a",
            effect: {
              type: "suppress",
              party: "to",
              reasonCode: "deny_listed" as "model_outlier",
              days: 1,
              reason: "x",
            },
          }),
        ).rejects.toMatchObject({ code: "VALIDATION_ERROR", details: { field: "effect.reasonCode" } });
      });

      it("returns null for an unknown anomaly and writes nothing", async () => {
        const result = await review.review("987654321", {
          falsePositive: true,
          reviewedBy: "a",
          effect: { type: "suppress", party: "from", reasonCode: "model_outlier", days: 1, reason: "x" },
        });
        expect(result).toBeNull();
        expect((await review.listSuppressions({ limit: 10 })).suppressions).toEqual([]);
      });
    });

    describe("revoking", () => {
      it("revokes once (snapshot drops it, revision moves), then answers revoked: false; unknown is null", async () => {
        const anomaly = await storeAnomaly([reason("value_above_sender_history", 4)]);
        const result = await review.review(anomaly.id, {
          falsePositive: true,
          reviewedBy: "api_key:analyst",
          effect: {
            type: "suppress",
            party: "from",
            reasonCode: "value_above_sender_history",
            days: 7,
            reason: "payroll",
          },
        });
        const id = result?.effect?.type === "suppress" ? result.effect.suppression.id : "";
        const before = await revision();
        const revoked = await review.revokeSuppression(id, "user:lead", "payroll ended");
        expect(revoked).toMatchObject({
          revoked: true,
          suppression: {
            id,
            status: "revoked",
            revokedBy: "user:lead",
            revokedAt: ISO,
            revokeReason: "payroll ended",
          },
        });
        expect(await revision()).toBeGreaterThan(before);
        expect((await labels.screeningSnapshot()).suppressions).toEqual([]);
        const after = await revision();
        const again = await review.revokeSuppression(id, "user:other");
        expect(again).toMatchObject({ revoked: false, suppression: { revokedBy: "user:lead" } });
        expect(await revision()).toBe(after);
        expect(await review.revokeSuppression("424242", "user:lead")).toBeNull();
        expect(await review.revokeSuppression("not-an-id", "user:lead")).toBeNull();
      });

      it("lists by status and address, newest first, paged", async () => {
        const one = await storeAnomaly([reason("sender_fan_out", 3)]);
        const two = await storeAnomaly([reason("sender_fan_out", 3)]);
        const ids: string[] = [];
        for (const anomaly of [one, two]) {
          const result = await review.review(anomaly.id, {
            falsePositive: true,
            reviewedBy: "a",
            effect: {
              type: "suppress",
              party: "from",
              reasonCode: "sender_fan_out",
              days: 2,
              reason: "airdrop",
            },
          });
          ids.push(result?.effect?.type === "suppress" ? result.effect.suppression.id : "");
        }
        await review.revokeSuppression(ids[0] ?? "", "b");
        const first = await review.listSuppressions({ limit: 1 });
        expect(first.suppressions.map((s) => s.id)).toEqual([ids[1]]);
        const second = await review.listSuppressions({ limit: 1, cursor: first.nextCursor ?? "" });
        expect(second).toEqual({ suppressions: [expect.objectContaining({ id: ids[0] })], nextCursor: null });
        const active = await review.listSuppressions({ limit: 10, status: "active" });
        expect(active.suppressions.map((s) => s.id)).toEqual([ids[1]]);
        const revoked = await review.listSuppressions({ limit: 10, status: "revoked" });
        expect(revoked.suppressions.map((s) => s.id)).toEqual([ids[0]]);
        // one that ran out: listed as expired, never in the snapshot
        const { rows: expired } = await db.query<{ id: string }>(
          `INSERT INTO reason_suppressions (address, reason_code, reason, created_by, created_at, expires_at)
           VALUES ($1, 'sender_burst', 'old', 'a', now() - interval '2 days', now() - interval '1 day')
           RETURNING id::text AS id`,
          [two.from],
        );
        const expiredPage = await review.listSuppressions({ limit: 10, status: "expired" });
        expect(expiredPage.suppressions.map((s) => [s.id, s.status])).toEqual([[expired[0]?.id, "expired"]]);
        expect((await labels.screeningSnapshot()).suppressions.map((s) => s.suppressionId)).toEqual([ids[1]]);
        expect(await review.getSuppression(expired[0]?.id ?? "")).toMatchObject({
          status: "expired",
          reason: "old",
        });
        expect(await review.getSuppression("not-an-id")).toBeNull();
        const byAddress = await review.listSuppressions({
          limit: 10,
          address: one.from.toUpperCase().replace("0X", "0x"),
        });
        expect(byAddress.suppressions.map((s) => s.id)).toEqual([ids[0]]);
      });
    });

    describe("review with an allowlisting", () => {
      it("creates the reviewed-allow list once and puts an expiring label on it", async () => {
        const first = await storeAnomaly([reason("recipient_fan_in", 3)]);
        const result = await review.review(first.id, {
          falsePositive: true,
          reviewedBy: "api_key:analyst",
          effect: {
            type: "allowlist",
            party: "to",
            days: 90,
            reason: "Binance hot wallet",
            category: "exchange",
          },
        });
        expect(result?.effect).toEqual({
          type: "allowlist",
          listId: "reviewed-allow",
          listCreated: true,
          label: {
            id: ID,
            listId: "reviewed-allow",
            chainId: 1,
            address: first.to,
            category: "exchange",
            source: `review:anomaly/${first.id}`,
            confidence: 1,
            note: "Binance hot wallet",
            createdBy: "api_key:analyst",
            updatedBy: "api_key:analyst",
            createdAt: ISO,
            updatedAt: ISO,
            expiresAt: ISO,
          },
        });
        const list = await labels.getList("reviewed-allow");
        expect(list).toMatchObject({ kind: "allow", createdBy: "api_key:analyst", labelCount: 1 });
        const snapshot = await labels.screeningSnapshot();
        expect(snapshot.entries).toEqual([
          expect.objectContaining({ address: first.to, listId: "reviewed-allow", listKind: "allow" }),
        ]);

        const second = await storeAnomaly([reason("recipient_fan_in", 3)]);
        const again = await review.review(second.id, {
          falsePositive: true,
          reviewedBy: "api_key:analyst",
          effect: { type: "allowlist", party: "from", days: 1, reason: "our own treasury" },
        });
        expect(again?.effect).toMatchObject({
          listCreated: false,
          label: { category: "custom", address: second.from },
        });
      });

      it("refuses a list that is not an allow list, and a missing one other than the default", async () => {
        await labels.upsertList({ id: "deny-1", name: "Deny", kind: "deny", actor: "user:admin" });
        const anomaly = await storeAnomaly([reason("model_outlier", 4)]);
        const effect = { type: "allowlist", party: "from", days: 1, reason: "x" } as const;
        await expect(
          review.review(anomaly.id, {
            falsePositive: true,
            reviewedBy: "a",
            effect: { ...effect, listId: "deny-1" },
          }),
        ).rejects.toMatchObject({ code: "VALIDATION_ERROR", details: { field: "effect.listId" } });
        await expect(
          review.review(anomaly.id, {
            falsePositive: true,
            reviewedBy: "a",
            effect: { ...effect, listId: "nope" },
          }),
        ).rejects.toMatchObject({ code: "LABEL_LIST_NOT_FOUND" });
        expect((await repos.listAnomalies({ limit: 10 })).items[0]?.reviewed).toBe(false);
      });
    });

    describe("review stats", () => {
      it("counts confirmed and false positives per counted reason code on a hand-built set", async () => {
        const t0 = new Date("2026-11-01T00:00:00Z");
        const at = (hours: number) => new Date(t0.getTime() + hours * 3_600_000);
        // five reviewed anomalies in the window, one unreviewed, one reviewed outside it
        const set = [
          { reasons: [reason("sender_burst", 3), reason("model_outlier", 1.5)], fp: false },
          { reasons: [reason("sender_burst", 3), reason("first_seen_sender", 0)], fp: true },
          {
            reasons: [reason("sender_burst", 2.8), reason("model_outlier", 2, { suppressed: true })],
            fp: true,
          },
          { reasons: [reason("deny_listed", 5), reason("model_outlier", 2.2)], fp: false },
          { reasons: [reason("model_outlier", 3)], fp: false },
          { reasons: [reason("model_outlier", 3)], fp: null },
        ];
        for (const [index, item] of set.entries()) {
          const anomaly = await storeAnomaly(item.reasons, { detectedAt: at(index) });
          if (item.fp !== null)
            await repos.reviewAnomaly(anomaly.id, { falsePositive: item.fp, reviewedBy: "a" });
        }
        const outside = await storeAnomaly([reason("sender_burst", 3)], { detectedAt: at(-1) });
        await repos.reviewAnomaly(outside.id, { falsePositive: true, reviewedBy: "a" });

        const stats = await review.reviewStats({ since: t0, until: at(24) });
        expect(stats).toEqual({
          since: "2026-11-01T00:00:00.000Z",
          until: "2026-11-02T00:00:00.000Z",
          reviewed: 5,
          confirmed: 3,
          falsePositives: 2,
          precision: 0.6,
          byReason: [
            // anomalies 1, 4, 5 (3's model reason was suppressed)
            { code: "model_outlier", reviewed: 3, confirmed: 3, falsePositives: 0, precision: 1 },
            { code: "sender_burst", reviewed: 3, confirmed: 1, falsePositives: 2, precision: 1 / 3 },
            { code: "deny_listed", reviewed: 1, confirmed: 1, falsePositives: 0, precision: 1 },
          ],
        });
        const empty = await review.reviewStats({ since: at(100), until: at(200) });
        expect(empty).toMatchObject({
          reviewed: 0,
          confirmed: 0,
          falsePositives: 0,
          precision: null,
          byReason: [],
        });
        await expect(review.reviewStats({ since: at(2), until: at(1) })).rejects.toMatchObject({
          code: "VALIDATION_ERROR",
        });
      });
    });

    describe("re-screening writes", () => {
      it("reads the served predictions touching an address and stores changed verdicts with what changed", async () => {
        const sent = await storeAnomaly([reason("model_outlier", 3)]);
        const quiet = scoredRecord({ severity: "low" });
        quiet.transaction.to = sent.from;
        await repos.recordScored([quiet]);
        const since = new Date(Date.now() - DAY_MS);
        expect(await review.countRescreenCandidates(sent.from, since)).toBe(2);
        const first = await review.rescreenCandidates(sent.from, { since, limit: 1 });
        const candidates = first.candidates;
        expect(candidates).toEqual([
          {
            predictionId: ID,
            txHash: sent.hash,
            from: sent.from,
            to: sent.to,
            modelVersion: "iforest-1.0.0",
            firstSeenAt: ISO,
            riskScore: 0.55,
            riskLevel: "high",
            isAnomaly: true,
            reasons: [reason("model_outlier", 3)],
          },
        ]);
        expect(first.next).toEqual({
          firstSeenAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
          hash: sent.hash,
        });
        // A transaction of the address without a usable prediction (none stored) is passed over, not listed.
        await db.query(
          `INSERT INTO transactions (hash, from_address, value_wei, gas, gas_price_wei, input_size)
           VALUES ($1, $2, 0, 21000, 1, 0)`,
          [`0x${"ab".repeat(32)}`, sent.from],
        );
        const rest = await review.rescreenCandidates(sent.from, {
          since,
          limit: 10,
          ...(first.next ? { after: first.next } : {}),
        });
        expect(rest.candidates.map((c) => c.txHash)).toEqual([quiet.transaction.hash]);
        expect(rest.next).toBeNull();
        const late = await review.rescreenCandidates(sent.from, {
          since: new Date(Date.now() + DAY_MS),
          limit: 10,
        });
        expect(late).toEqual({ candidates: [], next: null });
        await expect(
          review.rescreenCandidates(sent.from, {
            since,
            limit: 10,
            after: { firstSeenAt: "x", hash: sent.hash },
          }),
        ).rejects.toMatchObject({ code: "VALIDATION_ERROR" });

        const denied = [reason("deny_listed", 5), reason("model_outlier", 1.2)];
        const low = rest.candidates[0];
        if (!low) throw new Error("no candidate");
        const written = await review.applyRescreen({
          jobId: "job-1",
          address: sent.from,
          actor: "api_key:analyst",
          updates: [
            {
              predictionId: low.predictionId,
              txHash: low.txHash,
              before: low,
              after: { riskScore: 0.7, riskLevel: "critical", isAnomaly: true, reasons: denied },
            },
          ],
        });
        expect(written).toEqual({ updated: 1, anomaliesInserted: 1 });
        const view = await repos.getTransaction(low.txHash);
        expect(view?.latestPrediction).toMatchObject({
          riskScore: 0.7,
          riskLevel: "critical",
          isAnomaly: true,
          reasons: denied,
        });
        const anomalies = await repos.listAnomalies({ limit: 10 });
        expect(anomalies.items.find((item) => item.txHash === low.txHash)).toMatchObject({
          riskScore: 0.7,
          riskLevel: "critical",
          reasons: denied,
          reviewed: false,
        });
        const { rows } = await db.query<{
          job_id: string;
          before: unknown;
          after: unknown;
          changed_by: string;
        }>("SELECT job_id, before, after, changed_by FROM rescreen_changes");
        expect(rows).toEqual([
          {
            job_id: "job-1",
            before: {
              riskScore: 0.2,
              riskLevel: "low",
              isAnomaly: false,
              reasons: [{ kind: "model", code: "model_outlier", message: "m", surprise: 1.2, data: {} }],
            },
            after: { riskScore: 0.7, riskLevel: "critical", isAnomaly: true, reasons: denied },
            changed_by: "api_key:analyst",
          },
        ]);
        // An existing anomaly is updated in place, not duplicated.
        const flagged = candidates[0];
        if (!flagged) throw new Error("no candidate");
        const again = await review.applyRescreen({
          jobId: "job-2",
          address: sent.from,
          actor: "api_key:analyst",
          updates: [
            {
              predictionId: flagged.predictionId,
              txHash: flagged.txHash,
              before: flagged,
              after: { riskScore: 0.3, riskLevel: "low", isAnomaly: false, reasons: [] },
            },
          ],
        });
        expect(again).toEqual({ updated: 1, anomaliesInserted: 0 });
        const kept = (await repos.listAnomalies({ limit: 10 })).items.find(
          (item) => item.txHash === sent.hash,
        );
        expect(kept).toMatchObject({ riskScore: 0.3, riskLevel: "low", reasons: [] });
      });
    });
  });
}
