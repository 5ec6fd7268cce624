import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../database.ts";
import { migrations, runMigrations } from "../migrations/index.ts";
import { encodeAnomalyCursor } from "../repositories/anomaly-cursor.ts";
import { createRepositories, type Repositories } from "../repositories/index.ts";
import {
  countStoredTransactions,
  newestWindowStart,
  streamStoredTransactions,
} from "../repositories/stored-transactions.ts";
import type { AnomalyView, ScoredTransactionRecord } from "../repositories/types.ts";
import { type CountingDatabase, countingDatabase } from "./counting-database.ts";
import { randomHash, scoredRecord } from "./fixtures.ts";

const TABLES = [
  "transactions",
  "predictions",
  "anomalies",
  "model_versions",
  "model_deployments",
  "api_keys",
  "users",
  "refresh_tokens",
  "audit_logs",
  "transaction_conflicts",
];

const EXPECTED_INDEXES = [
  "transactions_first_seen_at_idx",
  "predictions_tx_hash_created_at_idx",
  "predictions_created_at_idx",
  "predictions_model_version_created_at_idx",
  "anomalies_detected_at_idx",
  "anomalies_severity_detected_at_idx",
  "model_versions_one_active_idx",
  "model_versions_one_canary_idx",
  "model_deployments_created_at_idx",
  "audit_logs_occurred_at_idx",
  "predictions_tx_hash_model_version_content_key",
  "anomalies_tx_hash_model_version_content_key",
  "transaction_conflicts_tx_hash_idx",
  "transaction_conflicts_detected_at_idx",
];

/**
 * One behavioural suite for the data layer, run against every driver: PGlite in the unit project and the
 * real PostgreSQL in the integration project. `makeDb` returns an empty database (schema); the suite
 * migrates it and closes it at the end.
 */
export function defineRepositorySuite(name: string, makeDb: () => Promise<Database>): void {
  describe(name, () => {
    let db: CountingDatabase;
    let repos: Repositories;

    beforeAll(async () => {
      db = countingDatabase(await makeDb());
      repos = createRepositories(db);
    });

    afterAll(async () => {
      await db.close();
    });

    describe("migrations", () => {
      it("applies each migration exactly once when several runners start at the same time", async () => {
        const results = await Promise.all([runMigrations(db), runMigrations(db), runMigrations(db)]);
        const applied = results.flatMap((result) => result.applied);
        expect(applied.sort()).toEqual(migrations.map((migration) => migration.id));
        const { rows } = await db.query<{ id: string }>("SELECT id FROM schema_migrations ORDER BY id");
        expect(rows.map((row) => row.id)).toEqual(migrations.map((migration) => migration.id));
      });

      it("is idempotent: a second run applies nothing", async () => {
        expect(await runMigrations(db)).toEqual({ applied: [] });
      });

      it("creates the tables and the indexes the queries rely on", async () => {
        const tables = await db.query<{ name: string }>(
          "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()",
        );
        expect(tables.rows.map((row) => row.name)).toEqual(
          expect.arrayContaining([...TABLES, "schema_migrations"]),
        );
        const indexes = await db.query<{ name: string }>(
          "SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema()",
        );
        expect(indexes.rows.map((row) => row.name)).toEqual(expect.arrayContaining(EXPECTED_INDEXES));
      });

      it("allows at most one active model version", async () => {
        const insert = (version: string) =>
          db.query(
            `INSERT INTO model_versions (version, feature_spec_version, checksum, status, created_by)
             VALUES ($1, 'v1', 'sha256:00', 'active', 'test')`,
            [version],
          );
        await insert("m-1");
        await expect(insert("m-2")).rejects.toThrow(/duplicate key|unique/i);
        await db.query("DELETE FROM model_versions");
      });
    });

    describe("repositories", () => {
      beforeEach(async () => {
        await db.query("TRUNCATE transactions, predictions, anomalies, transaction_conflicts");
        db.reset();
      });

      const count = async (table: string) =>
        Number((await db.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);

      describe("recordScored", () => {
        it("writes transactions, predictions and anomalies in one transaction, and a replay writes nothing", async () => {
          const batch = [
            scoredRecord({ severity: "low" }),
            scoredRecord({ severity: "high" }),
            scoredRecord({ severity: "critical" }),
          ];
          expect(await repos.recordScored(batch)).toEqual({
            transactions: 3,
            predictions: 3,
            anomalies: 2,
            conflicts: [],
          });
          expect(await repos.recordScored(batch)).toEqual({
            transactions: 0,
            predictions: 0,
            anomalies: 0,
            conflicts: [],
          });
          expect([await count("transactions"), await count("predictions"), await count("anomalies")]).toEqual(
            [3, 3, 2],
          );
        });

        it("writes a whole batch in one statement (one round trip, no per-row inserts)", async () => {
          const batch = Array.from({ length: 50 }, (_, index) =>
            scoredRecord({ severity: index % 2 === 0 ? "critical" : "low" }),
          );
          expect(await repos.recordScored(batch)).toEqual({
            transactions: 50,
            predictions: 50,
            anomalies: 25,
            conflicts: [],
          });
          expect(db.statements).toHaveLength(1);
        });

        it("stores every column exactly as given (jsonb explanation and features, null amounts, shadow flag)", async () => {
          const record = scoredRecord({
            severity: "critical",
            anomalyScore: 0.1 + 0.2,
            scoredAt: new Date("2025-03-04T05:06:07.089Z"),
          });
          record.transaction.maxPriorityFeePerGasWei = null;
          record.transaction.nonce = null;
          record.transaction.timestamp = 1_700_000_000.5;
          record.prediction.explanation = [{ feature: "gas", contribution: 1e-7, reason: 'a "quoted" \\ é' }];
          record.features = { value_eth: 12.5, gas: 21_000 };
          record.served = false;
          await repos.recordScored([record]);
          const { rows } = await db.query<Record<string, unknown>>(
            `SELECT t.max_priority_fee_per_gas_wei::text AS tip, t.nonce, t.block_timestamp, p.anomaly_score,
               p.explanation, p.served, a.features, a.explanation AS anomaly_explanation, a.detected_at
             FROM transactions t JOIN predictions p ON p.tx_hash = t.hash JOIN anomalies a ON a.tx_hash = t.hash
             WHERE t.hash = $1`,
            [record.transaction.hash],
          );
          expect(rows).toHaveLength(1);
          const [row] = rows;
          expect(row?.tip).toBeNull();
          expect(row?.nonce).toBeNull();
          expect(new Date(row?.block_timestamp as string | Date).toISOString()).toBe(
            "2023-11-14T22:13:20.500Z",
          );
          expect(row?.anomaly_score).toBe(0.1 + 0.2);
          expect(row?.explanation).toEqual(record.prediction.explanation);
          expect(row?.anomaly_explanation).toEqual(record.prediction.explanation);
          expect(row?.features).toEqual({ value_eth: 12.5, gas: 21_000 });
          expect(row?.served).toBe(false);
          expect(new Date(row?.detected_at as string | Date).toISOString()).toBe(
            record.scoredAt?.toISOString(),
          );
        });

        it("counts a transaction repeated inside one batch once, and stores a second model version's prediction", async () => {
          const hash = randomHash();
          const batch = [
            scoredRecord({ hash }),
            scoredRecord({ hash: hash.toUpperCase().replace("0X", "0x") }),
          ];
          expect(await repos.recordScored(batch)).toEqual({
            transactions: 1,
            predictions: 1,
            anomalies: 0,
            conflicts: [],
          });
          expect(await repos.recordScored([scoredRecord({ hash, modelVersion: "iforest-2.0.0" })])).toEqual({
            transactions: 0,
            predictions: 1,
            anomalies: 0,
            conflicts: [],
          });
        });

        it("round-trips wei amounts above 2^64 exactly and derives input size and selector", async () => {
          const max = 2n ** 256n - 1n;
          const record = scoredRecord({
            valueWei: 2n ** 64n + 12_345n,
            input: "0xA9059CBB00000000000000",
            to: null,
          });
          record.transaction.gasPriceWei = max;
          record.transaction.maxFeePerGasWei = null;
          await repos.recordScored([record]);
          const view = await repos.getTransaction(record.transaction.hash);
          expect(view).toMatchObject({
            valueWei: "18446744073709563961",
            gasPriceWei: max.toString(),
            maxFeePerGasWei: null,
            to: null,
            inputSize: 11,
            selector: "0xa9059cbb",
            blockNumber: 19_000_000,
            blockTimestamp: "2023-11-14T22:13:20.000Z",
            nonce: 7,
            txType: 2,
          });
          expect(BigInt(view?.valueWei ?? "0")).toBe(2n ** 64n + 12_345n);
        });

        it("stores no selector for call data shorter than 4 bytes", async () => {
          const record = scoredRecord({ input: "0xabcd" });
          await repos.recordScored([record]);
          expect(await repos.getTransaction(record.transaction.hash)).toMatchObject({
            inputSize: 2,
            selector: null,
          });
        });

        it("rejects an invalid record with VALIDATION_ERROR and writes nothing of the batch", async () => {
          const bad = scoredRecord();
          bad.transaction.hash = "0x1234";
          await expect(repos.recordScored([scoredRecord(), bad])).rejects.toMatchObject({
            code: "VALIDATION_ERROR",
            details: { index: 1, field: "transaction.hash" },
          });
          const negative = scoredRecord({ valueWei: -1n });
          await expect(repos.recordScored([negative])).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
          expect(await count("transactions")).toBe(0);
        });

        it("refuses text PostgreSQL cannot store (a lone surrogate, NUL) as VALIDATION_ERROR, not a retried failure", async () => {
          const surrogate = scoredRecord();
          surrogate.prediction.explanation = [
            { feature: "value_log10_wei", contribution: 0.5, reason: "broken \ud800 text" },
          ] as never;
          await expect(repos.recordScored([scoredRecord(), surrogate])).rejects.toMatchObject({
            code: "VALIDATION_ERROR",
            details: { index: 1, field: "prediction.explanation" },
          });
          const nul = scoredRecord({ modelVersion: "if-\u0000" });
          await expect(repos.recordScored([nul])).rejects.toMatchObject({
            details: { field: "prediction.modelVersion" },
          });
          const badKey = { ...scoredRecord(), features: { "\udfff": 1 } };
          await expect(repos.recordScored([badKey])).rejects.toMatchObject({
            details: { field: "features" },
          });
          expect(await count("transactions")).toBe(0);
        });

        it("names the first bad record of a batch whatever the fault, and stores text that only looks escaped", async () => {
          const nulReason = scoredRecord();
          nulReason.prediction.reasons = [{ code: "x", message: "nul \u0000 here" }] as never;
          const badHash = scoredRecord();
          badHash.transaction.hash = "0x12";
          await expect(repos.recordScored([scoredRecord(), nulReason, badHash])).rejects.toMatchObject({
            details: { index: 1, field: "prediction.reasons" },
          });
          await expect(repos.recordScored([scoredRecord(), badHash, nulReason])).rejects.toMatchObject({
            details: { index: 1, field: "transaction.hash" },
          });
          expect(await count("transactions")).toBe(0);
          // A backslash followed by "u0000" or "ud800" is ordinary text: JSON escapes the backslash.
          const lookalike = scoredRecord();
          lookalike.prediction.explanation = [
            { feature: "gas", contribution: 0.25, reason: String.raw`not a NUL: \u0000 \ud800` },
          ] as never;
          await expect(repos.recordScored([lookalike])).resolves.toMatchObject({ transactions: 1 });
          const stored = await repos.getTransaction(lookalike.transaction.hash);
          expect(stored?.latestPrediction?.explanation).toEqual(lookalike.prediction.explanation);
        });
      });

      describe("getTransaction and lookupTransactions", () => {
        it("returns null for an unknown hash", async () => {
          expect(await repos.getTransaction(randomHash())).toBeNull();
        });

        it("returns the transaction with its latest prediction across model versions", async () => {
          const hash = randomHash();
          await repos.recordScored([scoredRecord({ hash, scoredAt: new Date("2025-01-01T00:00:00Z") })]);
          await repos.recordScored([
            scoredRecord({
              hash,
              modelVersion: "iforest-2.0.0",
              severity: "critical",
              anomalyScore: 0.97,
              scoredAt: new Date("2025-01-02T00:00:00Z"),
            }),
          ]);
          const view = await repos.getTransaction(hash.toUpperCase().replace("0X", "0x"));
          expect(view?.hash).toBe(hash);
          expect(view?.latestPrediction).toMatchObject({
            txHash: hash,
            modelVersion: "iforest-2.0.0",
            severity: "critical",
            anomalyScore: 0.97,
            isAnomaly: true,
            riskScore: 0.7,
            riskLevel: "critical",
            reasons: [{ kind: "model", code: "model_outlier", message: "m", surprise: 1.2, data: {} }],
            features: { value_eth: 1, gas_price_gwei: 30 },
            confidence: 0.9,
            explanation: [{ feature: "value_eth", contribution: 0.3 }],
            createdAt: "2025-01-02T00:00:00.000Z",
          });
          expect(view?.latestPrediction?.id).toMatch(/^\d+$/);
          expect(view?.firstSeenAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
        });

        it("returns the latest served prediction: a newer shadow result is stored but never shown", async () => {
          const hash = randomHash();
          await repos.recordScored([scoredRecord({ hash, scoredAt: new Date("2025-01-01T00:00:00Z") })]);
          // a shadow model scores the same transaction later (and flags it); both rows coexist
          expect(
            await repos.recordScored([
              {
                ...scoredRecord({
                  hash,
                  modelVersion: "iforest-shadow",
                  severity: "critical",
                  anomalyScore: 0.99,
                  scoredAt: new Date("2025-01-02T00:00:00Z"),
                }),
                served: false,
              },
            ]),
          ).toEqual({ transactions: 0, predictions: 1, anomalies: 1, conflicts: [] });
          expect(await count("predictions")).toBe(2);
          const view = await repos.getTransaction(hash);
          expect(view?.latestPrediction).toMatchObject({ modelVersion: "iforest-1.0.0", anomalyScore: 0.42 });
          const [looked] = await repos.lookupTransactions([hash]);
          expect(looked?.latestPrediction?.modelVersion).toBe("iforest-1.0.0");
          // the shadow anomaly is kept but not queued for review nor counted
          expect(await count("anomalies")).toBe(1);
          expect((await repos.listAnomalies({ limit: 10 })).total).toBe(0);
          expect((await repos.anomalyStats()).total).toBe(0);
          // a transaction only a shadow has scored has no prediction to show
          const shadowOnly = randomHash();
          await repos.recordScored([{ ...scoredRecord({ hash: shadowOnly }), served: false }]);
          expect((await repos.getTransaction(shadowOnly))?.latestPrediction).toBeNull();
        });

        it("a shadow's result becomes served when its version, promoted, scores the transaction again", async () => {
          const hash = randomHash();
          const shadow = (served: boolean) => ({
            ...scoredRecord({ hash, modelVersion: "iforest-next", severity: "critical", anomalyScore: 0.97 }),
            served,
          });
          await repos.recordScored([scoredRecord({ hash, scoredAt: new Date("2025-01-01T00:00:00Z") })]);
          await repos.recordScored([shadow(false)]);
          expect((await repos.listAnomalies({ limit: 10 })).total).toBe(0);
          // promoted: the same version's result arrives served (a redelivery or a repeat ingest)
          expect(await repos.recordScored([shadow(true)])).toEqual({
            transactions: 0,
            predictions: 1,
            anomalies: 1,
            conflicts: [],
          });
          expect((await repos.getTransaction(hash))?.latestPrediction?.modelVersion).toBe("iforest-next");
          expect((await repos.listAnomalies({ limit: 10 })).total).toBe(1);
          // served again, and a later shadow copy of it: nothing changes, nothing is un-served
          expect(await repos.recordScored([shadow(true), shadow(false)])).toEqual({
            transactions: 0,
            predictions: 0,
            anomalies: 0,
            conflicts: [],
          });
          expect(await count("predictions")).toBe(2);
          expect((await repos.listAnomalies({ limit: 10 })).total).toBe(1);
        });

        it("looks up many hashes in exactly one query, in request order, skipping unknown ones", async () => {
          const records = Array.from({ length: 5 }, () => scoredRecord());
          await repos.recordScored(records);
          const hashes = records.map((record) => record.transaction.hash);
          const wanted = [hashes[3], randomHash(), hashes[0], hashes[4], hashes[0]] as string[];
          db.reset();
          const views = await repos.lookupTransactions(wanted);
          expect(db.statements).toHaveLength(1);
          expect(views.map((view) => view.hash)).toEqual([hashes[3], hashes[0], hashes[4]]);
          expect(views.every((view) => view.latestPrediction !== null)).toBe(true);
        });

        it("answers an empty lookup without a query", async () => {
          expect(await repos.lookupTransactions([])).toEqual([]);
          expect(db.statements).toHaveLength(0);
        });
      });

      describe("listAnomalies", () => {
        const base = Date.parse("2025-06-01T00:00:00Z");
        const anomalyAt = (minute: number, severity: "high" | "critical" = "high") =>
          scoredRecord({ severity, scoredAt: new Date(base + minute * 60_000) });

        async function pageThrough(limit: number, between?: (page: number) => Promise<void>) {
          const seen: AnomalyView[] = [];
          let cursor: string | undefined;
          for (let page = 0; page < 100; page += 1) {
            const result = await repos.listAnomalies({ limit, ...(cursor ? { cursor } : {}) });
            seen.push(...result.items);
            if (result.nextCursor === null) return seen;
            cursor = result.nextCursor;
            await between?.(page);
          }
          throw new Error("pagination did not end");
        }

        it("pages newest first with an opaque cursor; total counts the filter, not the cursor", async () => {
          // several rows share a detected_at, so the id tie-break is exercised
          const batch = [
            ...Array.from({ length: 6 }, (_, index) => anomalyAt(index)),
            anomalyAt(3),
            anomalyAt(3),
          ];
          await repos.recordScored(batch);
          const first = await repos.listAnomalies({ limit: 3 });
          expect(first.total).toBe(8);
          expect(first.items).toHaveLength(3);
          expect(first.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
          const second = await repos.listAnomalies({ limit: 3, cursor: first.nextCursor ?? "" });
          expect(second.total).toBe(8);
          const all = await pageThrough(3);
          expect(all).toHaveLength(8);
          expect(new Set(all.map((item) => item.id)).size).toBe(8);
          const keys = all.map((item) => [Date.parse(item.detectedAt), BigInt(item.id)] as const);
          for (let index = 1; index < keys.length; index += 1) {
            const [previousAt, previousId] = keys[index - 1] ?? [0, 0n];
            const [at, id] = keys[index] ?? [0, 0n];
            expect(previousAt > at || (previousAt === at && previousId > id)).toBe(true);
          }
          expect(all.map((item) => item.txHash).sort()).toEqual(batch.map((r) => r.transaction.hash).sort());
        });

        it("orders ids numerically when they cross a power of ten at the same timestamp", async () => {
          // ids 96..105 sort differently as text ("99" > "105"); a regression once served pages that way.
          await db.query("SELECT setval(pg_get_serial_sequence('anomalies', 'id'), 95)");
          await repos.recordScored(Array.from({ length: 10 }, () => anomalyAt(1)));
          const all = await pageThrough(4);
          expect(all.map((item) => Number(item.id))).toEqual([105, 104, 103, 102, 101, 100, 99, 98, 97, 96]);
        });

        it("returns no cursor when everything fits on one page", async () => {
          await repos.recordScored([anomalyAt(1), anomalyAt(2)]);
          expect(await repos.listAnomalies({ limit: 2 })).toMatchObject({ nextCursor: null, total: 2 });
          expect(await repos.listAnomalies({ limit: 10 })).toMatchObject({ nextCursor: null, total: 2 });
        });

        it("filters by severity and since", async () => {
          await repos.recordScored([
            anomalyAt(0, "high"),
            anomalyAt(1, "critical"),
            anomalyAt(2, "high"),
            anomalyAt(3, "critical"),
            scoredRecord({ severity: "medium", isAnomaly: true, scoredAt: new Date(base + 4 * 60_000) }),
          ]);
          const critical = await repos.listAnomalies({ limit: 10, severity: ["critical"] });
          expect(critical.total).toBe(2);
          expect(critical.items.map((item) => item.severity)).toEqual(["critical", "critical"]);
          const recent = await repos.listAnomalies({ limit: 1, since: new Date(base + 2 * 60_000) });
          expect(recent.total).toBe(3);
          expect(recent.items[0]?.severity).toBe("medium");
          const both = await repos.listAnomalies({
            limit: 10,
            severity: ["high", "medium"],
            since: new Date(base + 60_000),
          });
          expect(both.items.map((item) => item.detectedAt)).toEqual([
            new Date(base + 4 * 60_000).toISOString(),
            new Date(base + 2 * 60_000).toISOString(),
          ]);
          expect(both.total).toBe(2);
        });

        it("maps rows to camelCase views with string ids and ISO timestamps", async () => {
          const record = anomalyAt(5, "critical");
          await repos.recordScored([record]);
          const [item] = (await repos.listAnomalies({ limit: 1 })).items;
          expect(item).toEqual({
            id: expect.stringMatching(/^\d+$/),
            txHash: record.transaction.hash,
            modelVersion: "iforest-1.0.0",
            riskScore: 0.7,
            riskLevel: "critical",
            reasons: [{ kind: "model", code: "model_outlier", message: "m", surprise: 1.2, data: {} }],
            anomalyScore: 0.42,
            severity: "critical",
            confidence: 0.9,
            features: { value_eth: 1, gas_price_gwei: 30 },
            explanation: [{ feature: "value_eth", contribution: 0.3 }],
            detectedAt: new Date(base + 5 * 60_000).toISOString(),
            reviewed: false,
            reviewedBy: null,
            reviewedAt: null,
            falsePositive: null,
            reviewNote: null,
          });
        });

        it("rejects malformed cursors and limits with VALIDATION_ERROR", async () => {
          const tampered = Buffer.from("1|2025-06-01T00:00:00.000000Z|1 OR 1=1", "utf8").toString(
            "base64url",
          );
          const badTime = Buffer.from("1|yesterday|5", "utf8").toString("base64url");
          // Well-formed text naming a day that does not exist, and a year PostgreSQL refuses.
          const noSuchDay = Buffer.from("1|2026-02-30T00:00:00.000000Z|5", "utf8").toString("base64url");
          const yearZero = Buffer.from("1|0000-01-01T00:00:00.000000Z|5", "utf8").toString("base64url");
          for (const cursor of ["not a cursor!", "", tampered, badTime, "eyJ4IjoxfQ", noSuchDay, yearZero]) {
            await expect(repos.listAnomalies({ limit: 5, cursor })).rejects.toMatchObject({
              code: "VALIDATION_ERROR",
            });
          }
          for (const limit of [0, -1, 1.5, 1_001]) {
            await expect(repos.listAnomalies({ limit })).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
          }
          const valid = encodeAnomalyCursor({ detectedAt: "2025-06-01T00:00:00.000000Z", id: "1" });
          await expect(repos.listAnomalies({ limit: 5, cursor: valid })).resolves.toMatchObject({
            items: [],
          });
        });

        it("stays stable under concurrent inserts: no row twice, none skipped, new rows not in later pages", async () => {
          const original = Array.from({ length: 20 }, (_, index) => anomalyAt(index % 7));
          await repos.recordScored(original);
          let newerMinute = 1_000;
          const inFlight: Promise<unknown>[] = [];
          const seen = await pageThrough(6, async () => {
            // new anomalies arrive between page requests, and one while the next page is being read
            await repos.recordScored([anomalyAt(newerMinute++), anomalyAt(newerMinute++)]);
            inFlight.push(repos.recordScored([anomalyAt(newerMinute++)]));
          });
          await Promise.all(inFlight);
          expect(seen.map((item) => item.txHash).sort()).toEqual(
            original.map((r) => r.transaction.hash).sort(),
          );
          expect(new Set(seen.map((item) => item.id)).size).toBe(20);
          const after = await repos.listAnomalies({ limit: 1 });
          expect(after.total).toBeGreaterThan(20);
        });
      });

      describe("reviewAnomaly and anomalyStats", () => {
        it("reports zeros before anything is stored", async () => {
          expect(await repos.anomalyStats()).toEqual({
            total: 0,
            reviewed: 0,
            falsePositives: 0,
            falsePositiveRate: 0,
            bySeverity: { low: 0, medium: 0, high: 0, critical: 0 },
          });
        });

        it("records reviews and computes the false-positive rate over reviewed anomalies", async () => {
          await repos.recordScored([
            scoredRecord({ severity: "high" }),
            scoredRecord({ severity: "high" }),
            scoredRecord({ severity: "critical" }),
            scoredRecord({ severity: "medium", isAnomaly: true }),
            scoredRecord({ severity: "low" }),
          ]);
          const { items } = await repos.listAnomalies({ limit: 10 });
          const [first, second, third] = items;
          const reviewed = await repos.reviewAnomaly(first?.id ?? "", {
            falsePositive: true,
            note: "exchange hot wallet",
            reviewedBy: "analyst@example.com",
          });
          expect(reviewed).toMatchObject({
            id: first?.id,
            reviewed: true,
            falsePositive: true,
            reviewNote: "exchange hot wallet",
            reviewedBy: "analyst@example.com",
            reviewedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
          });
          await repos.reviewAnomaly(second?.id ?? "", {
            falsePositive: false,
            reviewedBy: "analyst@example.com",
          });
          await repos.reviewAnomaly(third?.id ?? "", { falsePositive: true, reviewedBy: "lead@example.com" });
          expect(await repos.anomalyStats()).toEqual({
            total: 4,
            reviewed: 3,
            falsePositives: 2,
            falsePositiveRate: 2 / 3,
            bySeverity: { low: 0, medium: 1, high: 2, critical: 1 },
          });
          // a second review overwrites the first
          const revised = await repos.reviewAnomaly(first?.id ?? "", {
            falsePositive: false,
            reviewedBy: "lead",
          });
          expect(revised).toMatchObject({ falsePositive: false, reviewNote: null, reviewedBy: "lead" });
          expect((await repos.anomalyStats()).falsePositives).toBe(1);
        });

        it("returns null for an unknown or impossible id", async () => {
          const review = { falsePositive: true, reviewedBy: "analyst" };
          expect(await repos.reviewAnomaly("999999999", review)).toBeNull();
          expect(await repos.reviewAnomaly("abc", review)).toBeNull();
          expect(await repos.reviewAnomaly("99999999999999999999", review)).toBeNull();
        });
      });

      describe("streamStoredTransactions", () => {
        async function collect(window: Parameters<typeof streamStoredTransactions>[1]) {
          const rows = [];
          for await (const row of streamStoredTransactions(db, window)) rows.push(row);
          return rows;
        }

        it("yields a window's transactions in (first_seen_at, hash) order as training summaries, page by page", async () => {
          // one batch shares first_seen_at (the transaction's now()), so pages split on the hash tie-break
          const records = Array.from({ length: 7 }, (_, index) =>
            scoredRecord({ input: index % 2 ? "0xa9059cbb0000" : "0x" }),
          );
          records[0] = scoredRecord({ valueWei: 2n ** 70n, to: null, input: "0x6080604052" });
          await repos.recordScored(records);
          const [{ at } = { at: "" }] = (
            await db.query<{ at: string }>("SELECT min(first_seen_at)::text AS at FROM transactions")
          ).rows;
          const since = new Date(Date.parse(at) - 1_000);
          const until = new Date(Date.parse(at) + 60_000);
          db.reset();
          const rows = await collect({ since, until, batchSize: 3 });
          // 7 rows in pages of 3: three queries (3, 3, 1)
          expect(db.statements).toHaveLength(3);
          expect(rows.map((row) => row.hash)).toEqual(
            records.map((record) => record.transaction.hash).sort(),
          );
          const first = rows.find((row) => row.hash === records[0]?.transaction.hash);
          expect(first).toMatchObject({
            valueWei: 2n ** 70n,
            gas: 21_000n,
            gasPriceWei: 30_000_000_000n,
            maxFeePerGasWei: 40_000_000_000n,
            maxPriorityFeePerGasWei: 2_000_000_000n,
            to: null,
            inputSize: 5,
            selector: "0x60806040",
            nonce: 7,
            blockNumber: 19_000_000,
            timestamp: 1_700_000_000,
            txType: 2,
          });
          expect(await countStoredTransactions(db, { since, until })).toBe(7);
          expect(await collect({ since: until, until: new Date(until.getTime() + 1_000) })).toEqual([]);
          expect(await collect({ since, until, batchSize: 7 })).toEqual(rows);
        });

        it("newestWindowStart: where the newest maxRows of a window begin", async () => {
          // Three statements, three first_seen_at instants (each insert's now()), two rows each.
          const batches = [];
          for (let i = 0; i < 3; i++) {
            const batch = [scoredRecord(), scoredRecord()];
            await repos.recordScored(batch);
            batches.push(batch.map((record) => record.transaction.hash).sort());
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          const since = new Date(Date.now() - 60_000);
          const until = new Date(Date.now() + 60_000);
          const hashesFrom = async (start: Date) =>
            (await collect({ since: start, until })).map((row) => row.hash).sort();
          expect(await hashesFrom(await newestWindowStart(db, { since, until }, 2))).toEqual(batches[2]);
          // The 3rd newest row is in the middle batch; its instant brings its sibling along.
          expect(await hashesFrom(await newestWindowStart(db, { since, until }, 3))).toEqual(
            [...(batches[1] ?? []), ...(batches[2] ?? [])].sort(),
          );
          expect(await newestWindowStart(db, { since, until }, 100)).toEqual(since);
          await expect(newestWindowStart(db, { since, until }, 0)).rejects.toMatchObject({
            code: "VALIDATION_ERROR",
          });
        });

        it("refuses a bad window or batch size with VALIDATION_ERROR", async () => {
          const since = new Date("2025-01-02T00:00:00Z");
          await expect(collect({ since, until: since })).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
          await expect(collect({ since, until: new Date(Number.NaN) })).rejects.toMatchObject({
            code: "VALIDATION_ERROR",
          });
          await expect(
            collect({ since, until: new Date("2025-01-03T00:00:00Z"), batchSize: 0 }),
          ).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
        });
      });

      describe("recentPredictions", () => {
        it("lists the served feature vectors scored with context, newest first, and counts them", async () => {
          const at = (minute: number) => new Date(Date.parse("2025-04-01T00:00:00Z") + minute * 60_000);
          const before = await repos.countServedFeatureVectors();
          await repos.recordScored([
            scoredRecord({ scoredAt: at(1), features: { value_log10_wei: 18, ctx_sender_known: 1 } }),
            scoredRecord({ scoredAt: at(2), features: { value_log10_wei: 17 } }),
            scoredRecord({ scoredAt: at(3), features: { value_log10_wei: 16, ctx_sender_known: 0 } }),
            {
              ...scoredRecord({
                scoredAt: at(4),
                modelVersion: "shadow-x",
                features: { ctx_sender_known: 1 },
              }),
              served: false,
            },
          ]);
          expect(await repos.countServedFeatureVectors()).toBe(before + 2);
          expect(await repos.countServedFeatureVectors(at(2))).toBe(1);
          expect((await repos.servedFeatureVectors(2)).slice(0, 2)).toEqual([
            { value_log10_wei: 16, ctx_sender_known: 0 },
            { value_log10_wei: 18, ctx_sender_known: 1 },
          ]);
          await expect(repos.servedFeatureVectors(0)).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
        });

        it("returns the most recently scored predictions first, optionally for one model version", async () => {
          const at = (minute: number) => new Date(Date.parse("2025-03-01T00:00:00Z") + minute * 60_000);
          const records: ScoredTransactionRecord[] = [
            scoredRecord({ scoredAt: at(1) }),
            scoredRecord({ scoredAt: at(3), modelVersion: "iforest-2.0.0", severity: "critical" }),
            scoredRecord({ scoredAt: at(2) }),
            scoredRecord({ scoredAt: at(4) }),
          ];
          await repos.recordScored(records);
          const hashOf = (index: number) => records[index]?.transaction.hash;
          const recent = await repos.recentPredictions(3);
          expect(recent.map((item) => item.txHash)).toEqual([hashOf(3), hashOf(1), hashOf(2)]);
          expect(recent[1]).toEqual({
            txHash: hashOf(1),
            modelVersion: "iforest-2.0.0",
            contentFingerprint: records[1]?.contentFingerprint,
            prediction: {
              isAnomaly: true,
              riskScore: 0.7,
              riskLevel: "critical",
              reasons: [{ kind: "model", code: "model_outlier", message: "m", surprise: 1.2, data: {} }],
              anomalyScore: 0.42,
              severity: "critical",
              confidence: 0.9,
              explanation: [{ feature: "value_eth", contribution: 0.3 }],
            },
          });
          const v1 = await repos.recentPredictions(10, "iforest-1.0.0");
          expect(v1.map((item) => item.txHash)).toEqual([hashOf(3), hashOf(2), hashOf(0)]);
          // a shadow's result, newest of all, is not served, so nothing warms it
          await repos.recordScored([
            { ...scoredRecord({ scoredAt: at(5), modelVersion: "iforest-shadow" }), served: false },
          ]);
          expect((await repos.recentPredictions(1)).map((item) => item.txHash)).toEqual([hashOf(3)]);
          expect(await repos.recentPredictions(10, "iforest-shadow")).toEqual([]);
          // a prediction without the combined verdict (stored before migration 0007) cannot be a cache entry
          const {
            riskScore: _score,
            riskLevel: _level,
            reasons: _reasons,
            ...modelOnly
          } = scoredRecord({
            scoredAt: at(6),
            modelVersion: "iforest-old",
          }).prediction;
          await repos.recordScored([{ ...scoredRecord({ scoredAt: at(6) }), prediction: modelOnly }]);
          expect(await repos.recentPredictions(10, "iforest-old")).toEqual([]);
          await expect(repos.recentPredictions(0)).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
        });
      });
    });
  });
}
