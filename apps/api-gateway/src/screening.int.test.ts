import { createLabelRepository, createPostgresDatabase, type Database } from "@chainwatch/store";
import { describeWithServices, serviceUrls, uniqueName } from "@chainwatch/testing";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { generateApiKey } from "./auth/api-key-format.ts";
import { startTestGateway, type TestGateway } from "./testing/test-gateway.ts";

const PHISHER = `0x${"9e".repeat(20)}`;
const EXCHANGE = `0x${"ec".repeat(20)}`;
const USER = `0x${"11".repeat(20)}`;
const REFRESH_SECONDS = 1;

interface Verdict {
  isAnomaly: boolean;
  riskLevel: string;
  reasons: { code: string; message: string; suppressed?: true }[];
}

/**
 * Two gateways on one PostgreSQL, as two replicas: a label written to the store reaches the other replica
 * within its refresh interval (SCREENING_REFRESH_INTERVAL_SECONDS = 1) plus one load, and changes verdicts.
 */
await describeWithServices(
  "screening lists across two gateway replicas (real PostgreSQL)",
  ["postgres"],
  () => {
    const schema = uniqueName("cw_screen").toLowerCase();
    const databases: Database[] = [];
    let first: TestGateway;
    let second: TestGateway;
    let hashCounter = 0;
    const adminKey = generateApiKey();

    beforeAll(async () => {
      const open = async () => {
        const database = await createPostgresDatabase({ connectionString: serviceUrls.databaseUrl, schema });
        databases.push(database);
        return database;
      };
      const env = {
        BOOTSTRAP_ADMIN_API_KEY: adminKey,
        SCREENING_REFRESH_INTERVAL_SECONDS: String(REFRESH_SECONDS),
      };
      first = await startTestGateway(env, { database: await open() });
      second = await startTestGateway(env, { database: await open() });
    });
    afterAll(async () => {
      await first?.stop();
      await second?.stop();
      // Both replicas' pools closed first (a pool's end waits for its queries): dropping the schema while one
      // still ran a statement on it deadlocked once in CI (40P01 between the DROP and a straggling read).
      for (const database of databases) await database.close();
      const admin = await createPostgresDatabase({ connectionString: serviceUrls.databaseUrl });
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await admin.close();
      }
    });

    const predict = async (gateway: TestGateway, from: string, to: string) => {
      hashCounter++;
      const response = await gateway.send("/api/v1/predict", {
        method: "POST",
        body: {
          hash: `0x${(0x5c000000 + hashCounter).toString(16).padStart(64, "0")}`,
          from,
          to,
          value: "0.2",
          gas: 21_000,
          gasPrice: 20,
          timestamp: 1_714_564_800 + hashCounter * 600,
        },
      });
      expect(response.status).toBe(200);
      return response.json as Verdict;
    };

    it("a deny label written through one replica's store flags transfers on the other within the bound", async () => {
      expect((await predict(second, USER, PHISHER)).isAnomaly).toBe(false);
      const labels = createLabelRepository(databases[0] as Database);
      await labels.upsertList({ id: "test-phishing", name: "Test phishing", kind: "deny", actor: "test" });
      await labels.upsertList({ id: "test-exchanges", name: "Test exchanges", kind: "allow", actor: "test" });
      const written = Date.now();
      await labels.importLabels(
        "test-phishing",
        [{ address: PHISHER, category: "phishing", source: "test list" }],
        "test",
      );
      await labels.importLabels("test-exchanges", [{ address: EXCHANGE, category: "exchange" }], "test");

      let verdict = await predict(second, USER, PHISHER);
      while (!verdict.isAnomaly && Date.now() - written < 15_000) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        verdict = await predict(second, USER, PHISHER);
      }
      const elapsedMs = Date.now() - written;
      expect(verdict).toMatchObject({ isAnomaly: true });
      expect(["high", "critical"]).toContain(verdict.riskLevel);
      expect(verdict.reasons[0]?.message).toBe(
        "the recipient is on deny list test-phishing (phishing; source test list)",
      );
      // the documented bound: one refresh interval plus one load (generous margin for a loaded machine)
      expect(elapsedMs).toBeLessThan(REFRESH_SECONDS * 1_000 + 4_000);

      // the first replica too, and the allow label: the exchange paying the phisher is still flagged
      const both = await predict(first, EXCHANGE, PHISHER);
      expect(both.isAnomaly).toBe(true);
      expect(both.reasons.map((reason) => reason.code)).toEqual(
        expect.arrayContaining(["deny_listed", "allow_listed"]),
      );
    });

    it("a suppression made by a review on one replica applies on the other within the bound; so does its revocation", async () => {
      const database = databases[0] as Database;
      // the deny-listed transfer above is stored as an anomaly behind the answer (write-behind)
      const anomalyId = await vi.waitFor(
        async () => {
          const { rows } = await database.query<{ id: string }>(
            `SELECT a.id::text AS id FROM anomalies a JOIN transactions t ON t.hash = a.tx_hash
             WHERE t.from_address = $1 ORDER BY a.id LIMIT 1`,
            [USER],
          );
          expect(rows).toHaveLength(1);
          return rows[0]?.id ?? "";
        },
        { timeout: 5_000, interval: 50 },
      );
      const reviewed = await first.send(`/api/v1/anomalies/${anomalyId}/review`, {
        method: "POST",
        body: {
          falsePositive: true,
          effect: { type: "suppress", party: "from", reasonCode: "model_outlier", days: 1, reason: "test" },
        },
      });
      expect(reviewed.status).toBe(200);
      const written = Date.now();
      const { id } = (reviewed.json as { effect: { suppression: { id: string } } }).effect.suppression;
      const heldBy = (gateway: TestGateway) =>
        gateway.gateway.screening?.suppressions(USER, null).map((hit) => hit.suppressionId) ?? [];
      await vi.waitFor(() => expect(heldBy(second)).toEqual([id]), { timeout: 10_000, interval: 20 });
      expect(Date.now() - written).toBeLessThan(REFRESH_SECONDS * 1_000 + 4_000);

      const revoked = await second.send(`/api/v1/suppressions/${id}/revoke`, { method: "POST", body: {} });
      expect(revoked.status).toBe(200);
      const revokedAt = Date.now();
      await vi.waitFor(() => expect(heldBy(first)).toEqual([]), { timeout: 10_000, interval: 20 });
      expect(Date.now() - revokedAt).toBeLessThan(REFRESH_SECONDS * 1_000 + 4_000);
    });
  },
);
