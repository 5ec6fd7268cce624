import type { Database } from "@chainwatch/store";
import { type CountingDatabase, countingDatabase } from "@chainwatch/store/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RawResponse } from "./http-client.ts";
import { simpleTransaction, startTestGateway, type TestGateway } from "./test-gateway.ts";

interface AnomalyPageBody {
  items: { id: string; txHash: string; severity: string; detectedAt: string }[];
  nextCursor: string | null;
  total: number;
  count: number;
  cached: boolean;
}

/** Distinct transactions the model flags: extreme value, gas price and gas limit together. */
export const anomalousTransaction = (index: number) =>
  simpleTransaction(index, { value: 250_000 + index, gasPrice: 9_000, gas: 7_900_000 });

export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("condition not met in time");
}

/**
 * The persistence endpoints against one database driver. Called with PGlite from a unit test file and with
 * the real PostgreSQL (own schema) from an integration test file, so both drivers pass the same checks.
 */
export function definePersistenceRouteSuite(name: string, openDatabase: () => Promise<Database>): void {
  describe(name, () => {
    let app: TestGateway;
    let database: Database;
    let counted: CountingDatabase;
    const base = Date.now() * 1_000;
    const ordinary = Array.from({ length: 30 }, (_, index) => simpleTransaction(base + index));
    const anomalous = Array.from({ length: 12 }, (_, index) => anomalousTransaction(base + 100 + index));

    const post = (path: string, body: unknown) => app.send(path, { method: "POST", body });
    const stored = (hash: string) =>
      waitFor(async () => {
        const response = await app.send(`/api/v1/transactions/${hash}`);
        return response.status === 200 ? response : undefined;
      });

    beforeAll(async () => {
      counted = countingDatabase(await openDatabase());
      database = counted;
      app = await startTestGateway({ DB_WRITE_FLUSH_INTERVAL_MS: "20" }, { database });
      const scored = await post("/api/v1/batch/predict", { transactions: [...ordinary, ...anomalous] });
      expect(scored.status).toBe(200);
      await stored(anomalous.at(-1)?.hash ?? "");
      await stored(ordinary.at(-1)?.hash ?? "");
    });
    afterAll(async () => {
      await app.stop();
      await database.close();
    });

    it("returns a stored transaction with its latest prediction, 404 for an unknown hash, 400 for a bad one", async () => {
      const tx = ordinary[0];
      const response = await app.send(`/api/v1/transactions/${tx?.hash.toUpperCase().replace("0X", "0x")}`);
      expect(response.status).toBe(200);
      expect(response.json).toMatchObject({
        hash: tx?.hash,
        gas: String(tx?.gas),
        latestPrediction: { txHash: tx?.hash, severity: expect.any(String) },
      });
      const unknown = await app.send(`/api/v1/transactions/0x${"e".repeat(64)}`);
      expect(unknown.status).toBe(404);
      expect(unknown.json).toMatchObject({ code: "NOT_FOUND" });
      const bad = await app.send("/api/v1/transactions/0x1234");
      expect(bad.status).toBe(400);
      expect(bad.json).toMatchObject({ code: "VALIDATION_ERROR" });
    });

    it("looks up many hashes in one query and says how many were found", async () => {
      const hashes = [...ordinary.slice(0, 10).map((tx) => tx.hash), `0x${"d".repeat(64)}`];
      counted.reset();
      const response = await post("/api/v1/batch/transactions/lookup", { hashes });
      expect(counted.statements).toHaveLength(1);
      expect(response.status).toBe(200);
      expect(response.json).toMatchObject({ totalRequested: 11, totalFound: 10 });
      for (const bad of [
        { hashes: [] },
        { hashes: ["0x12"] },
        { hashes: Array(1_001).fill(hashes[0]) },
        {},
      ]) {
        expect((await post("/api/v1/batch/transactions/lookup", bad)).status).toBe(400);
      }
    });

    it("lists anomalies newest first with a total, severity filter and stable keyset pages", async () => {
      const first = (await app.send("/api/v1/batch/anomalies/recent?limit=5")).json as AnomalyPageBody;
      expect(first.total).toBeGreaterThanOrEqual(anomalous.length);
      expect(first.count).toBe(5);
      const detected = first.items.map((item) => item.detectedAt);
      expect([...detected].sort().reverse()).toEqual(detected);

      // New anomalies arriving while a client pages must not shift the later pages.
      await post("/api/v1/batch/predict", { transactions: [anomalousTransaction(base + 500)] });
      await stored(anomalousTransaction(base + 500).hash);
      const seen = new Set(first.items.map((item) => item.id));
      let cursor = first.nextCursor;
      while (cursor) {
        const page = (await app.send(`/api/v1/batch/anomalies/recent?limit=5&cursor=${cursor}`))
          .json as AnomalyPageBody;
        for (const item of page.items) {
          expect(seen.has(item.id)).toBe(false);
          seen.add(item.id);
        }
        cursor = page.nextCursor;
      }
      expect(seen.size).toBe(first.total);

      const severities = (first.items[0]?.severity ?? "critical") as string;
      const filtered = (await app.send(`/api/v1/anomalies?severity=${severities}`)).json as AnomalyPageBody;
      expect(filtered.items.every((item) => item.severity === severities)).toBe(true);
    });

    it("rejects bad anomaly queries with 400 and the allowed values", async () => {
      const badSeverity = await app.send("/api/v1/anomalies?severity=urgent");
      expect(badSeverity.status).toBe(400);
      expect(JSON.stringify(badSeverity.json)).toContain("low, medium, high, critical");
      for (const query of [
        "limit=1001",
        "limit=0",
        "limit=abc",
        "cursor=not-a-cursor",
        "since=yesterday",
        "sort=asc",
        // Well-formed but impossible: these used to reach PostgreSQL and come back as 503.
        "since=0000-01-01T00:00:00Z",
        "since=2026-02-30T00:00:00Z",
        `cursor=${Buffer.from("1|2026-02-30T00:00:00.000000Z|5").toString("base64url")}`,
      ]) {
        const response = await app.send(`/api/v1/batch/anomalies/recent?${query}`);
        expect(response.status, query).toBe(400);
        expect((response.json as { code: string }).code).toBe("VALIDATION_ERROR");
      }
      for (const query of ["since=0000-01-01T00:00:00Z", "since=1969-12-31T23:59:59Z"]) {
        const response = await app.send(`/api/v1/audit-logs?${query}`);
        expect(response.status, query).toBe(400);
      }
    });

    it("serves repeated anomaly queries from the query cache until new anomalies land", async () => {
      const first = (await app.send("/api/v1/anomalies?limit=3")).json as AnomalyPageBody;
      const second = (await app.send("/api/v1/anomalies?limit=3")).json as AnomalyPageBody;
      expect(second.cached).toBe(true);
      expect(second.items).toEqual(first.items);
      const fresh = anomalousTransaction(base + 600);
      await post("/api/v1/predict", fresh);
      const after = await waitFor(async () => {
        const page = (await app.send("/api/v1/anomalies?limit=3")).json as AnomalyPageBody;
        return page.items[0]?.txHash === fresh.hash ? page : undefined;
      });
      expect(after.total).toBe(first.total + 1);
    });

    it("records reviews and reports the false-positive rate", async () => {
      const page = (await app.send("/api/v1/anomalies?limit=2")).json as AnomalyPageBody;
      const [one, two] = page.items;
      const reviewed = await post(`/api/v1/anomalies/${one?.id}/review`, {
        falsePositive: true,
        note: "known exchange",
      });
      expect(reviewed.status).toBe(200);
      expect(reviewed.json).toMatchObject({
        reviewed: true,
        falsePositive: true,
        reviewNote: "known exchange",
        // the admin key the suite calls with, not "anonymous"
        reviewedBy: expect.stringMatching(/^api_key:[0-9a-f-]{36}$/),
      });
      await post(`/api/v1/anomalies/${two?.id}/review`, { falsePositive: false });
      const stats = (await app.send("/api/v1/anomalies/stats")).json as {
        reviewed: number;
        falsePositiveRate: number;
      };
      expect(stats.reviewed).toBe(2);
      expect(stats.falsePositiveRate).toBe(0.5);
      expect((await post("/api/v1/anomalies/999999999/review", { falsePositive: true })).status).toBe(404);
      expect((await post("/api/v1/anomalies/abc/review", { falsePositive: true })).status).toBe(404);
      expect((await post(`/api/v1/anomalies/${one?.id}/review`, { falsePositive: "yes" })).status).toBe(400);
    });

    it("warms the cache from the most recent predictions as a background job", async () => {
      const accepted = await post("/api/v1/batch/cache/warm", { numRecent: 25 });
      expect(accepted.status).toBe(202);
      const { jobId } = accepted.json as { jobId: string };
      const job = await waitFor(async () => {
        const status = (await app.send(`/api/v1/batch/cache/warm/${jobId}`)).json as {
          status: string;
          loaded: number;
        };
        return status.status === "running" ? undefined : status;
      });
      expect(job).toMatchObject({ status: "succeeded", requested: 25, found: 25, loaded: 25, failed: 0 });
      expect((await post("/api/v1/batch/cache/warm", { numRecent: 10_001 })).status).toBe(400);
      expect((await post("/api/v1/batch/cache/warm", { numRecent: 0 })).status).toBe(400);
      expect((await app.send("/api/v1/batch/cache/warm/unknown-job")).status).toBe(404);
    });

    it("writes each scored transaction once, however often it is scored", async () => {
      const tx = simpleTransaction(base + 900);
      for (let attempt = 0; attempt < 3; attempt += 1) await post("/api/v1/predict", tx);
      const response: RawResponse = await stored(tx.hash);
      expect(response.status).toBe(200);
      const { rows } = await database.query<{ count: string }>(
        "SELECT count(*)::text AS count FROM predictions WHERE tx_hash = $1",
        [tx.hash],
      );
      expect(rows[0]?.count).toBe("1");
    });
  });
}
