import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../testing/persistence-suite.ts";
import { simpleTransaction, startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

interface ScoreBody {
  hash: string;
  isAnomaly: boolean;
  severity: string;
  cached: boolean;
}

interface TransactionBody {
  hash: string;
  valueWei: string;
  contentFingerprint: string | null;
  contentChangedAt: string | null;
  latestPrediction: { isAnomaly: boolean; severity: string } | null;
}

interface AuditBody {
  items: {
    action: string;
    principalType: string;
    principalId: string | null;
    requestId: string | null;
    resource: string | null;
    details: Record<string, unknown>;
  }[];
}

/**
 * A hash is a claim anyone can make. A scorer who sends a benign-looking transaction under the hash of a
 * transaction that has not arrived yet must not fix its verdict: the real content (250,000 ETH, extreme gas)
 * is scored afresh, stored as the latest content, and the switch is recorded, audited and counted.
 */
describe("predict routes: a hash does not fix the verdict of other content", () => {
  let app: TestGateway;
  beforeAll(async () => {
    app = await startTestGateway({ DB_WRITE_FLUSH_INTERVAL_MS: "20" });
  });
  afterAll(() => app.stop());

  const benign = (index: number) => simpleTransaction(index, { value: 0.5, gas: 21_000, gasPrice: 25 });
  const whale = (index: number) =>
    simpleTransaction(index, { value: 250_000, gasPrice: 9_000, gas: 7_900_000 });
  const predict = (body: unknown, requestId: string) =>
    app.send("/api/v1/predict", { method: "POST", body, headers: { "x-request-id": requestId } });
  const storedWith = (hash: string, valueWei: string) =>
    waitFor(async () => {
      const response = await app.send(`/api/v1/transactions/${hash}`);
      const body = response.json as TransactionBody;
      return response.status === 200 && body.valueWei === valueWei ? body : undefined;
    });

  it("scores the real transaction afresh after a benign request for its hash, stores it and audits the conflict", async () => {
    const hash = benign(9_001).hash;
    const first = await predict(benign(9_001), "req-benign-1");
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ hash, isAnomaly: false, cached: false });
    // the benign content is cached for the benign content
    expect((await predict(benign(9_001), "req-benign-2")).json).toMatchObject({
      isAnomaly: false,
      cached: true,
    });
    await storedWith(hash, "500000000000000000");

    const real = await predict(whale(9_001), "req-real-1");
    expect(real.status).toBe(200);
    expect(real.json).toMatchObject({ hash, isAnomaly: true, severity: "high", cached: false });

    // the store keeps the latest content with its own verdict
    const stored = await storedWith(hash, "250000000000000000000000");
    expect(stored).toMatchObject({
      hash,
      contentFingerprint: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      contentChangedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      latestPrediction: { isAnomaly: true, severity: "high" },
    });

    // audited against the request that sent the new content, counted and logged
    const audit = await waitFor(async () => {
      const body = (await app.send("/api/v1/audit-logs?action=transaction.conflict")).json as AuditBody;
      return body.items.find((item) => item.resource === `/api/v1/transactions/${hash}`);
    });
    expect(audit).toMatchObject({
      action: "transaction.conflict",
      principalType: "api_key",
      principalId: expect.stringMatching(/\S/),
      requestId: "req-real-1",
      details: {
        source: "predict",
        previousFingerprint: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        fingerprint: stored.contentFingerprint,
      },
    });
    expect(audit.details.previousFingerprint).not.toBe(audit.details.fingerprint);
    expect((await app.send("/metrics")).text).toMatch(
      /transaction_content_conflicts_total\{[^}]*source="predict"[^}]*\} 1\n/,
    );
    expect(
      app
        .logLines()
        .filter((line) => line.hash === hash && String(line.msg).startsWith("transaction content conflict")),
    ).toMatchObject([{ level: 40, requestId: "req-real-1", source: "predict" }]);

    // each content keeps its own verdict afterwards
    expect((await predict(benign(9_001), "req-benign-3")).json).toMatchObject({
      isAnomaly: false,
      cached: true,
    });
    expect((await predict(whale(9_001), "req-real-2")).json).toMatchObject({ isAnomaly: true, cached: true });
  });

  it("scores two contents for one hash in one batch separately", async () => {
    const response = await app.send("/api/v1/batch/predict", {
      method: "POST",
      body: { transactions: [benign(9_002), whale(9_002)] },
    });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({
      computed: 2,
      fromCache: 0,
      totalAnomalies: 1,
      results: [
        { hash: benign(9_002).hash, isAnomaly: false, cached: false },
        { hash: benign(9_002).hash, isAnomaly: true, cached: false },
      ],
    });
    await storedWith(benign(9_002).hash, "250000000000000000000000");
  });

  it("re-scores other content for a known hash on the embedded ingest path too", async () => {
    const hash = benign(9_003).hash;
    const ingest = (body: unknown, requestId: string) =>
      app.send("/api/v1/transactions", { method: "POST", body, headers: { "x-request-id": requestId } });
    expect((await ingest(benign(9_003), "req-ingest-1")).status).toBe(202);
    expect((await ingest(whale(9_003), "req-ingest-2")).json).toEqual({
      mode: "embedded",
      accepted: [hash],
      rejected: [],
    });
    const stored = (await app.send(`/api/v1/transactions/${hash}`)).json as TransactionBody;
    expect(stored).toMatchObject({
      valueWei: "250000000000000000000000",
      latestPrediction: { isAnomaly: true },
    });
    expect((await app.send("/metrics")).text).toMatch(
      /transaction_content_conflicts_total\{[^}]*source="ingest"[^}]*\} 1\n/,
    );
    const audit = (await app.send("/api/v1/audit-logs?action=transaction.conflict")).json as AuditBody;
    expect(audit.items.find((item) => item.resource === `/api/v1/transactions/${hash}`)).toMatchObject({
      requestId: "req-ingest-2",
      details: { source: "ingest" },
    });
  });
});

type _Unused = ScoreBody;
