import { createPgliteDatabase, type Database } from "@chainwatch/store";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createKey } from "../testing/security-helpers.ts";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

interface Reason {
  kind: string;
  code: string;
  message: string;
  surprise: number;
  data: Record<string, unknown>;
  suppressed?: true;
}
interface Verdict {
  hash: string;
  isAnomaly: boolean;
  riskScore: number;
  riskLevel: string;
  reasons: Reason[];
}

const TREASURY = `0x${"7e".repeat(20)}`;
const PAYEE = `0x${"9a".repeat(20)}`;
const SHOP = `0x${"5b".repeat(20)}`;
const BUYER = `0x${"b1".repeat(20)}`;
const T0 = 1_714_564_800;
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
const ID = expect.stringMatching(/^[1-9]\d*$/);
const hash = (n: number) => `0x${(0x7e5c0000 + n).toString(16).padStart(64, "0")}`;

/**
 * The review loop end to end through the embedded gateway (PGlite, in-process address state, screening
 * refreshed every second): a treasury that paid 0.1 ETH every six hours sends 500 ETH and is flagged for
 * it; the analyst reviews it as a false positive and suppresses that reason for the treasury; the next
 * large payment carries the reason muted, with a sentence naming the suppression; revoking it flags the
 * following one again. Then precision by reason code on a hand-built set, and a re-screen of a shop that
 * is deny-listed after it was paid.
 */
describe("the review loop: review effects, suppressions, precision, re-screening", () => {
  let app: TestGateway;
  let database: Database;
  let analyst: { "x-api-key": string };
  let viewer: { "x-api-key": string };
  let analystActor: string;

  beforeAll(async () => {
    database = await createPgliteDatabase();
    app = await startTestGateway(
      { SCREENING_REFRESH_INTERVAL_SECONDS: "1", DB_WRITE_FLUSH_INTERVAL_MS: "20" },
      { database },
    );
    analyst = { "x-api-key": await createKey(app, "analyst") };
    viewer = { "x-api-key": await createKey(app, "viewer") };
    const who = (await app.send("/api/v1/auth/me", { headers: analyst })).json as {
      type: string;
      id: string;
    };
    analystActor = `${who.type}:${who.id}`;
  });
  afterAll(async () => {
    await app.stop();
    await database.close();
  });

  const predict = async (body: Record<string, unknown>) => {
    const response = await app.send("/api/v1/predict", { method: "POST", body });
    expect(response.status).toBe(200);
    return response.json as Verdict;
  };
  const payment = (n: number, value: string, timestamp: number) => ({
    hash: hash(n),
    from: TREASURY,
    to: PAYEE,
    value,
    gas: 21_000,
    gasPrice: 20,
    input: "0x",
    timestamp,
  });
  /** This replica has loaded the revision the store holds now (labels and suppressions). */
  const screeningCaughtUp = () =>
    vi.waitFor(
      async () => {
        const { rows } = await database.query<{ revision: string }>(
          "SELECT revision::text AS revision FROM screening_revision",
        );
        expect(app.gateway.screening?.revision()).toBe(rows[0]?.revision);
      },
      { timeout: 5_000, interval: 50 },
    );
  const storedAnomaly = (txHash: string) =>
    vi.waitFor(
      async () => {
        const { rows } = await database.query<{ id: string }>(
          "SELECT id::text AS id FROM anomalies WHERE tx_hash = $1",
          [txHash],
        );
        expect(rows).toHaveLength(1);
        return rows[0]?.id ?? "";
      },
      { timeout: 5_000, interval: 50 },
    );
  const auditRows = (action: string) =>
    database.query<{ outcome: string; principal_id: string | null; details: Record<string, unknown> }>(
      "SELECT outcome, principal_id, details FROM audit_logs WHERE action = $1 ORDER BY id",
      [action],
    );

  let suppressionId = "";

  it("suppresses a reviewed false positive's reason for the sender: the next payment shows it muted, with why", async () => {
    const history = Array.from({ length: 20 }, (_, i) => payment(i, "0.1", T0 + i * 21_600));
    const quiet = await app.send("/api/v1/batch/predict", {
      method: "POST",
      body: { transactions: history },
    });
    expect(quiet.status).toBe(200);
    const start = T0 + 20 * 21_600;
    const whale = await predict(payment(100, "500", start));
    expect(whale.isAnomaly).toBe(true);
    expect(whale.reasons[0]).toMatchObject({
      code: "value_above_sender_history",
      message: "value 5,000× this sender's typical 0.1 ETH (over 20 earlier amounts)",
    });
    const anomalyId = await storedAnomaly(hash(100));

    const reviewed = await app.send(`/api/v1/anomalies/${anomalyId}/review`, {
      method: "POST",
      headers: analyst,
      body: {
        falsePositive: true,
        note: "monthly payroll",
        effect: {
          type: "suppress",
          party: "from",
          reasonCode: "value_above_sender_history",
          days: 30,
          reason: "the treasury pays salaries once a month",
        },
      },
    });
    expect(reviewed.status).toBe(200);
    const body = reviewed.json as {
      effect: { suppression: { id: string; expiresAt: string; createdAt: string } };
    };
    expect(body).toMatchObject({
      id: anomalyId,
      txHash: hash(100),
      reviewed: true,
      reviewedBy: analystActor,
      falsePositive: true,
      reviewNote: "monthly payroll",
      effect: {
        type: "suppress",
        suppression: {
          id: ID,
          chainId: 1,
          address: TREASURY,
          reasonCode: "value_above_sender_history",
          reason: "the treasury pays salaries once a month",
          anomalyId,
          createdBy: analystActor,
          createdAt: ISO,
          expiresAt: ISO,
          revokedBy: null,
          revokedAt: null,
          revokeReason: null,
          status: "active",
        },
      },
    });
    const suppression = body.effect.suppression;
    suppressionId = suppression.id;
    expect(Date.parse(suppression.expiresAt) - Date.parse(suppression.createdAt)).toBe(30 * 86_400_000);

    await screeningCaughtUp();
    // Ten minutes later, within the first one's jump episode (a jump settles into what the sender does only
    // after 30 minutes without one), so only the suppression can keep it from being flagged.
    const next = await predict(payment(101, "500", start + 600));
    // The only strong reason is muted, so the same kind of payment is no longer flagged; the model's own
    // evidence is under a decade and not listed.
    expect(next.isAnomaly).toBe(false);
    expect(next.reasons.map((reason) => [reason.code, reason.suppressed ?? false])).toEqual([
      ["review_suppressed", false],
      ["value_above_sender_history", true],
    ]);
    const muted = next.reasons.find((reason) => reason.code === "value_above_sender_history");
    expect(muted?.suppressed).toBe(true);
    expect(muted?.message).toMatch(
      // the first 500 ETH was a jump: kept out of the sender's amounts
      /^value [\d,.]+× this sender's typical [\d.]+ ETH \(over 20 earlier amounts\)$/,
    );
    expect(next.reasons.find((reason) => reason.code === "review_suppressed")).toEqual({
      kind: "rule",
      code: "review_suppressed",
      message: `value_above_sender_history is suppressed for the sender until ${suppression.expiresAt} (suppression ${suppression.id}, from the review of anomaly ${anomalyId})`,
      surprise: 0,
      data: {
        address: TREASURY,
        role: "from",
        reasonCode: "value_above_sender_history",
        suppressionId: suppression.id,
        anomalyId,
        expiresAt: suppression.expiresAt,
      },
    });

    const [audited] = (await vi.waitFor(async () => {
      const { rows } = await auditRows("anomaly.review");
      expect(rows).toHaveLength(1);
      return rows;
    })) as Awaited<ReturnType<typeof auditRows>>["rows"];
    expect(audited?.details).toEqual({
      anomalyId,
      falsePositive: true,
      effect: "suppress",
      suppressionId: suppression.id,
      address: TREASURY,
      reasonCode: "value_above_sender_history",
      expiresAt: suppression.expiresAt,
    });
  });

  it("lists the suppression; revoking it flags the next payment again, and is audited", async () => {
    const listed = await app.send(`/api/v1/suppressions?address=${TREASURY}&status=active`, {
      headers: viewer,
    });
    expect(listed.status).toBe(200);
    expect((listed.json as { suppressions: { id: string }[] }).suppressions.map((s) => s.id)).toEqual([
      suppressionId,
    ]);
    const revoked = await app.send(`/api/v1/suppressions/${suppressionId}/revoke`, {
      method: "POST",
      headers: analyst,
      body: { reason: "payroll moved to a new wallet" },
    });
    expect(revoked.status).toBe(200);
    expect(revoked.json).toMatchObject({
      revoked: true,
      suppression: {
        id: suppressionId,
        status: "revoked",
        revokedBy: analystActor,
        revokedAt: ISO,
        revokeReason: "payroll moved to a new wallet",
      },
    });
    await screeningCaughtUp();
    const start = T0 + 20 * 21_600;
    const again = await predict(payment(102, "50000", start + 7_200));
    expect(again.isAnomaly).toBe(true);
    const reason = again.reasons.find((r) => r.code === "value_above_sender_history");
    expect(reason?.suppressed).toBeUndefined();
    expect(again.reasons.map((r) => r.code)).not.toContain("review_suppressed");

    const second = await app.send(`/api/v1/suppressions/${suppressionId}/revoke`, {
      method: "POST",
      headers: analyst,
      body: {},
    });
    expect(second.json).toMatchObject({
      revoked: false,
      suppression: { revokeReason: "payroll moved to a new wallet" },
    });
    const rows = await vi.waitFor(async () => {
      const { rows } = await auditRows("suppression.revoke");
      expect(rows).toHaveLength(2);
      return rows;
    });
    expect(rows.map((row) => row.details)).toEqual([
      { suppressionId, address: TREASURY, reasonCode: "value_above_sender_history", revoked: true },
      { suppressionId, address: TREASURY, reasonCode: "value_above_sender_history", revoked: false },
    ]);
  });

  it("allowlists a reviewed sender on the reviewed-allow list (created on first use), undone by deleting the label", async () => {
    const start = T0 + 20 * 21_600;
    const anomalyId = await storedAnomaly(hash(102));
    const reviewed = await app.send(`/api/v1/anomalies/${anomalyId}/review`, {
      method: "POST",
      headers: analyst,
      body: {
        falsePositive: true,
        effect: { type: "allowlist", party: "from", days: 7, reason: "our own treasury" },
      },
    });
    expect(reviewed.status).toBe(200);
    expect((reviewed.json as { effect: unknown }).effect).toEqual({
      type: "allowlist",
      listId: "reviewed-allow",
      listCreated: true,
      label: {
        id: ID,
        listId: "reviewed-allow",
        chainId: 1,
        address: TREASURY,
        category: "custom",
        source: `review:anomaly/${anomalyId}`,
        confidence: 1,
        note: "our own treasury",
        createdBy: analystActor,
        updatedBy: analystActor,
        createdAt: ISO,
        updatedAt: ISO,
        expiresAt: ISO,
      },
    });
    const labelId = (reviewed.json as { effect: { label: { id: string } } }).effect.label.id;
    await screeningCaughtUp();
    const allowed = await predict(payment(103, "50000", start + 10_800));
    expect(allowed.isAnomaly).toBe(false);
    expect(allowed.reasons.find((reason) => reason.code === "allow_listed")?.message).toBe(
      `the sender is on allow list reviewed-allow (custom; source review:anomaly/${anomalyId})`,
    );
    expect(allowed.reasons.find((reason) => reason.code === "value_above_sender_history")?.suppressed).toBe(
      true,
    );

    const deleted = await app.send(`/api/v1/labels/${labelId}`, { method: "DELETE", headers: analyst });
    expect(deleted.status).toBe(200);
    await screeningCaughtUp();
    // Larger than the two 50,000 ETH payments the sender's history now holds, so it stands out again.
    const flagged = await predict(payment(104, "5000000", start + 14_400));
    expect(flagged.isAnomaly).toBe(true);
    expect(flagged.reasons.map((reason) => reason.code)).not.toContain("allow_listed");
    expect(
      flagged.reasons.find((reason) => reason.code === "value_above_sender_history")?.suppressed,
    ).toBeUndefined();
  });

  it("serves precision by reason code over a window, on a hand-built set of reviewed anomalies", async () => {
    const reason = (code: string, surprise: number, suppressed = false) => ({
      kind: code === "model_outlier" ? "model" : code === "deny_listed" ? "label" : "context",
      code,
      message: code,
      surprise,
      data: {},
      ...(suppressed ? { suppressed: true } : {}),
    });
    const set = [
      { reasons: [reason("sender_burst", 3), reason("model_outlier", 1.5)], falsePositive: false },
      { reasons: [reason("sender_burst", 3.2), reason("first_seen_sender", 0)], falsePositive: true },
      {
        reasons: [reason("value_above_sender_history", 4), reason("model_outlier", 2, true)],
        falsePositive: true,
      },
      { reasons: [reason("deny_listed", 5)], falsePositive: false },
      { reasons: [reason("model_outlier", 3)], falsePositive: null },
    ];
    for (const [index, item] of set.entries()) {
      const txHash = `0x${(0xa0000 + index).toString(16).padStart(64, "0")}`;
      await database.query(
        "INSERT INTO transactions (hash, value_wei, gas, gas_price_wei, input_size) VALUES ($1, 0, 21000, 1, 0)",
        [txHash],
      );
      const { rows } = await database.query<{ id: string }>(
        `INSERT INTO anomalies (tx_hash, model_version, anomaly_score, severity, confidence, risk_score, risk_level,
           reasons, detected_at)
         VALUES ($1, 'test', 0.5, 'high', 0.9, 0.6, 'high', $2::jsonb, $3)
         RETURNING id::text AS id`,
        [txHash, JSON.stringify(item.reasons), `2025-01-01T0${index}:00:00Z`],
      );
      if (item.falsePositive === null) continue;
      const review = await app.send(`/api/v1/anomalies/${rows[0]?.id}/review`, {
        method: "POST",
        headers: analyst,
        body: { falsePositive: item.falsePositive },
      });
      expect(review.status).toBe(200);
    }
    const stats = await app.send(
      "/api/v1/anomalies/review-stats?since=2025-01-01T00:00:00Z&until=2025-01-02T00:00:00Z",
      { headers: viewer },
    );
    expect(stats.status).toBe(200);
    expect(stats.json).toEqual({
      since: "2025-01-01T00:00:00.000Z",
      until: "2025-01-02T00:00:00.000Z",
      reviewed: 4,
      confirmed: 2,
      falsePositives: 2,
      precision: 0.5,
      byReason: [
        { code: "sender_burst", reviewed: 2, confirmed: 1, falsePositives: 1, precision: 0.5 },
        // the third anomaly's model reason was muted: it did not help flag it
        { code: "deny_listed", reviewed: 1, confirmed: 1, falsePositives: 0, precision: 1 },
        { code: "model_outlier", reviewed: 1, confirmed: 1, falsePositives: 0, precision: 1 },
        { code: "value_above_sender_history", reviewed: 1, confirmed: 0, falsePositives: 1, precision: 0 },
      ],
    });
  });

  it("re-screens a shop deny-listed after it was paid: its past payments are flagged, recorded and listed", async () => {
    const paid: Verdict[] = [];
    for (let i = 0; i < 3; i++)
      paid.push(
        await predict({
          hash: hash(200 + i),
          from: BUYER,
          to: SHOP,
          value: "0.05",
          gas: 21_000,
          gasPrice: 20,
          timestamp: T0 + i * 3_600,
        }),
      );
    expect(paid.map((verdict) => verdict.isAnomaly)).toEqual([false, false, false]);
    await vi.waitFor(
      async () => {
        const { rows } = await database.query("SELECT 1 FROM predictions WHERE tx_hash = ANY($1)", [
          [hash(200), hash(201), hash(202)],
        ]);
        expect(rows).toHaveLength(3);
      },
      { timeout: 5_000, interval: 50 },
    );
    expect(
      (await app.send("/api/v1/lists/test-scams", { method: "PUT", body: { name: "Scams", kind: "deny" } }))
        .status,
    ).toBe(201);
    const label = await app.send("/api/v1/lists/test-scams/labels", {
      method: "POST",
      headers: analyst,
      body: { address: SHOP, category: "scam", source: "user report" },
    });
    expect(label.status).toBe(201);

    const started = await app.send(`/api/v1/addresses/${SHOP}/rescreen`, {
      method: "POST",
      headers: analyst,
      body: { days: 7 },
    });
    expect(started.status).toBe(202);
    const { jobId, statusUrl } = started.json as { jobId: string; statusUrl: string };
    expect(started.json).toEqual({ jobId, status: "running", statusUrl: `/api/v1/rescreen-jobs/${jobId}` });
    expect(started.headers.location).toBe(statusUrl);
    const job = await vi.waitFor(
      async () => {
        const status = await app.send(statusUrl, { headers: analyst });
        expect(status.status).toBe(200);
        expect((status.json as { status: string }).status).toBe("succeeded");
        return status.json;
      },
      { timeout: 10_000, interval: 50 },
    );
    const flaggedAfter = {
      riskScore: expect.any(Number),
      riskLevel: expect.stringMatching(/^(high|critical)$/),
      isAnomaly: true,
    };
    expect(job).toEqual({
      id: jobId,
      status: "succeeded",
      address: SHOP,
      days: 7,
      since: ISO,
      total: 3,
      processed: 3,
      changed: 3,
      anomaliesInserted: 3,
      startedAt: ISO,
      finishedAt: ISO,
      error: null,
      transactions: [200, 201, 202].map((n, i) => ({
        hash: hash(n),
        role: "to",
        modelVersion: expect.any(String),
        firstSeenAt: ISO,
        before: { riskScore: paid[i]?.riskScore, riskLevel: paid[i]?.riskLevel, isAnomaly: false },
        after: flaggedAfter,
        isChanged: true,
        addedCodes: ["deny_listed"],
        removedCodes: [],
      })),
    });

    const stored = (await app.send(`/api/v1/transactions/${hash(201)}`, { headers: viewer })).json as {
      latestPrediction: Verdict;
    };
    expect(stored.latestPrediction.isAnomaly).toBe(true);
    expect(stored.latestPrediction.reasons.find((reason) => reason.code === "deny_listed")?.message).toBe(
      "the recipient is on deny list test-scams (scam; source user report)",
    );
    const { rows: changes } = await database.query<{ tx_hash: string; before: { isAnomaly: boolean } }>(
      "SELECT tx_hash, before FROM rescreen_changes WHERE job_id = $1 ORDER BY id",
      [jobId],
    );
    expect(changes.map((row) => [row.tx_hash, row.before.isAnomaly])).toEqual([
      [hash(200), false],
      [hash(201), false],
      [hash(202), false],
    ]);
    const anomalies = (await app.send("/api/v1/anomalies?limit=100", { headers: viewer })).json as {
      items: { txHash: string; reviewed: boolean }[];
    };
    expect(
      anomalies.items.filter((item) => item.txHash === hash(200) || item.txHash === hash(202)),
    ).toHaveLength(2);

    // Nothing changed since: a second run re-evaluates the same three and writes nothing.
    const rerun = await app.send(`/api/v1/addresses/${SHOP}/rescreen`, {
      method: "POST",
      headers: analyst,
      body: {},
    });
    const rerunUrl = (rerun.json as { statusUrl: string }).statusUrl;
    const second = await vi.waitFor(
      async () => {
        const status = (await app.send(rerunUrl, { headers: analyst })).json as { status: string };
        expect(status.status).toBe("succeeded");
        return status as unknown as {
          total: number;
          changed: number;
          days: number;
          transactions: { isChanged: boolean }[];
        };
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(second).toMatchObject({ total: 3, changed: 0, days: 30, anomaliesInserted: 0 });
    expect(second.transactions.map((t) => t.isChanged)).toEqual([false, false, false]);
    const finished = await vi.waitFor(async () => {
      const { rows } = await auditRows("address.rescreen.finished");
      expect(rows).toHaveLength(2);
      return rows;
    });
    expect(finished[0]).toMatchObject({
      outcome: "success",
      principal_id: "rescreen",
      details: { jobId, requestedBy: analystActor, total: 3, processed: 3, changed: 3, anomaliesInserted: 3 },
    });
    expect((await auditRows("address.rescreen")).rows.map((row) => row.details)).toEqual([
      { jobId, address: SHOP, days: 7 },
      { jobId: expect.any(String), address: SHOP, days: 30 },
    ]);
  });
});
