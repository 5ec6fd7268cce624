import { createPgliteDatabase, type Database } from "@chainwatch/store";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createKey } from "../testing/security-helpers.ts";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

const PHISHER = `0x${"9e".repeat(20)}`;
const SCAMMER = `0x${"5c".repeat(20)}`;
const DRAINER = `0x${"d4".repeat(20)}`;
const USER = `0x${"11".repeat(20)}`;
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
const ID = expect.stringMatching(/^[1-9]\d*$/);

interface Verdict {
  isAnomaly: boolean;
  riskLevel: string;
  reasons: { code: string; message: string }[];
}

describe("screening API: happy paths", () => {
  let app: TestGateway;
  let database: Database;
  let analyst: { "x-api-key": string };
  let viewer: { "x-api-key": string };
  let admin: string;
  let hashCounter = 0;

  beforeAll(async () => {
    database = await createPgliteDatabase();
    // A 1 s refresh so a label written through the API reaches this replica's screening set quickly.
    app = await startTestGateway({ SCREENING_REFRESH_INTERVAL_SECONDS: "1" }, { database });
    analyst = { "x-api-key": await createKey(app, "analyst") };
    viewer = { "x-api-key": await createKey(app, "viewer") };
    const who = (await app.send("/api/v1/auth/me")).json as { type: string; id: string };
    admin = `${who.type}:${who.id}`;
  });
  afterAll(async () => {
    await app.stop();
    await database.close();
  });

  /** Audit entries are written behind the request: poll, bounded. */
  const auditActions = (prefix: string, expectedCount: number) =>
    vi.waitFor(
      async () => {
        const { rows } = await database.query<{ action: string; outcome: string }>(
          "SELECT action, outcome FROM audit_logs WHERE action LIKE $1 ORDER BY id",
          [`${prefix}%`],
        );
        expect(rows).toHaveLength(expectedCount);
        return rows;
      },
      { timeout: 5_000, interval: 50 },
    );

  const predict = async (from: string, to: string) => {
    hashCounter++;
    const hash = `0x${(0x5c000000 + hashCounter).toString(16).padStart(64, "0")}`;
    const response = await app.send("/api/v1/predict", {
      method: "POST",
      body: {
        hash,
        from,
        to,
        value: "0.2",
        gas: 21_000,
        gasPrice: 20,
        timestamp: 1_714_564_800 + hashCounter * 600,
      },
    });
    expect(response.status).toBe(200);
    return { hash, verdict: response.json as Verdict };
  };

  it("creates (201), re-puts (200, unchanged), updates (200) and lists a list", async () => {
    // Before any label, a transfer to the address carries no list reason (the later flag is the label's).
    const before = await predict(USER, PHISHER);
    expect(before.verdict.reasons.map((reason) => reason.code)).not.toContain("deny_listed");
    const body = { name: "Test phishing", kind: "deny", source: "test suite" };
    const created = await app.send("/api/v1/lists/test-phishing", { method: "PUT", body });
    expect(created.status).toBe(201);
    const list = {
      id: "test-phishing",
      name: "Test phishing",
      kind: "deny",
      description: null,
      source: "test suite",
      createdBy: admin,
      updatedBy: admin,
      createdAt: ISO,
      updatedAt: ISO,
      labelCount: 0,
    };
    expect(created.json).toEqual({ list, created: true, updated: false });

    const again = await app.send("/api/v1/lists/test-phishing", { method: "PUT", body });
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ list, created: false, updated: false });

    const renamed = await app.send("/api/v1/lists/test-phishing", {
      method: "PUT",
      body: { ...body, name: "Phishing (test)", description: "made by the happy test" },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.json).toEqual({
      list: { ...list, name: "Phishing (test)", description: "made by the happy test" },
      created: false,
      updated: true,
    });

    const lists = await app.send("/api/v1/lists", { headers: viewer });
    expect(lists.status).toBe(200);
    expect((lists.json as { lists: unknown[] }).lists).toContainEqual({
      ...list,
      name: "Phishing (test)",
      description: "made by the happy test",
    });
    expect(await auditActions("list.", 3)).toEqual([
      { action: "list.put", outcome: "success" },
      { action: "list.put", outcome: "success" },
      { action: "list.put", outcome: "success" },
    ]);
  });

  it("adds a label (201), answers an equal one with 200, imports more, and pages them", async () => {
    const body = {
      address: PHISHER.toUpperCase().replace("0X", "0x"),
      category: "phishing",
      source: "reported by a user",
      note: "drainer site",
    };
    const created = await app.send("/api/v1/lists/test-phishing/labels", {
      method: "POST",
      headers: analyst,
      body,
    });
    expect(created.status).toBe(201);
    const analystActor = (created.json as { label: { createdBy: string } }).label.createdBy;
    expect(analystActor).toMatch(/^api_key:/);
    const label = {
      id: ID,
      listId: "test-phishing",
      chainId: 1,
      address: PHISHER,
      category: "phishing",
      source: "reported by a user",
      confidence: 1,
      note: "drainer site",
      createdBy: analystActor,
      updatedBy: analystActor,
      createdAt: ISO,
      updatedAt: ISO,
      expiresAt: null,
    };
    expect(created.json).toEqual({ label, created: true, updated: false });
    const again = await app.send("/api/v1/lists/test-phishing/labels", {
      method: "POST",
      headers: analyst,
      body,
    });
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ label, created: false, updated: false });

    const imported = await app.send("/api/v1/lists/test-phishing/labels/import", {
      method: "POST",
      headers: analyst,
      body: {
        labels: [
          { address: SCAMMER, category: "scam", confidence: 0.8 },
          { address: DRAINER, category: "exploit", expiresAt: "2999-01-01" },
          { address: SCAMMER, category: "scam", confidence: 0.9 },
        ],
      },
    });
    expect(imported.status).toBe(200);
    expect(imported.json).toEqual({
      listId: "test-phishing",
      inserted: 2,
      updated: 0,
      unchanged: 0,
      deleted: 0,
      duplicates: 1,
      revision: ID,
    });

    const first = await app.send("/api/v1/labels?listId=test-phishing&limit=2", { headers: viewer });
    expect(first.status).toBe(200);
    const page = first.json as {
      labels: { address: string; confidence: number; expiresAt: string | null }[];
      nextCursor: string;
    };
    expect(
      page.labels.map(({ address, confidence, expiresAt }) => ({ address, confidence, expiresAt })),
    ).toEqual([
      { address: DRAINER, confidence: 1, expiresAt: "2999-01-01T00:00:00.000Z" },
      { address: SCAMMER, confidence: 0.9, expiresAt: null },
    ]);
    const second = await app.send(`/api/v1/labels?listId=test-phishing&limit=2&cursor=${page.nextCursor}`, {
      headers: viewer,
    });
    expect(second.json).toEqual({ labels: [label], nextCursor: null });
    const byAddress = await app.send(`/api/v1/labels?address=${PHISHER.toUpperCase().replace("0X", "0x")}`);
    expect(byAddress.json).toEqual({ labels: [label], nextCursor: null });
    expect(await auditActions("label.", 3)).toEqual([
      { action: "label.put", outcome: "success" },
      { action: "label.put", outcome: "success" },
      { action: "label.import", outcome: "success" },
    ]);
  });

  it("flags a transfer to a label created through the API with deny_listed within the refresh interval", async () => {
    const started = Date.now();
    const flagged = await vi.waitFor(
      async () => {
        const { hash, verdict } = await predict(USER, PHISHER);
        expect(verdict.reasons.map((reason) => reason.code)).toContain("deny_listed");
        return { hash, verdict };
      },
      { timeout: 10_000, interval: 200 },
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(flagged.verdict.isAnomaly).toBe(true);
    expect(["high", "critical"]).toContain(flagged.verdict.riskLevel);
    expect(flagged.verdict.reasons.find((reason) => reason.code === "deny_listed")?.message).toMatch(
      /test-phishing|Phishing/,
    );
  });

  it("screens an address: labels with their list (expired ones flagged), recent scored transactions, anomalies", async () => {
    await app.send("/api/v1/lists/test-old", { method: "PUT", body: { name: "Old mixers", kind: "watch" } });
    // An expired label stays stored and shown (flagged) but is no longer screened.
    const old = await app.send("/api/v1/lists/test-old/labels", {
      method: "POST",
      body: { address: PHISHER, category: "mixer", expiresAt: "2020-01-01T00:00:00Z" },
    });
    expect(old.status).toBe(201);

    const screen = await vi.waitFor(
      async () => {
        const response = await app.send(`/api/v1/addresses/${PHISHER}`, { headers: viewer });
        expect(response.status).toBe(200);
        const body = response.json as { transactions: { hash: string }[]; anomalyCount: number };
        // Predictions are stored behind the answer (write-behind): wait for the flagged one.
        expect(body.anomalyCount).toBeGreaterThanOrEqual(1);
        return body;
      },
      { timeout: 5_000, interval: 100 },
    );
    const stored = screen.transactions.length;
    expect(stored).toBeGreaterThanOrEqual(1);
    expect(screen).toEqual({
      address: PHISHER,
      chainId: 1,
      labels: [
        {
          id: ID,
          listId: "test-old",
          chainId: 1,
          address: PHISHER,
          category: "mixer",
          source: null,
          confidence: 1,
          note: null,
          createdBy: admin,
          updatedBy: admin,
          createdAt: ISO,
          updatedAt: ISO,
          expiresAt: "2020-01-01T00:00:00.000Z",
          list: { id: "test-old", name: "Old mixers", kind: "watch" },
          isExpired: true,
        },
        {
          id: ID,
          listId: "test-phishing",
          chainId: 1,
          address: PHISHER,
          category: "phishing",
          source: "reported by a user",
          confidence: 1,
          note: "drainer site",
          createdBy: expect.stringMatching(/^api_key:/),
          updatedBy: expect.stringMatching(/^api_key:/),
          createdAt: ISO,
          updatedAt: ISO,
          expiresAt: null,
          list: { id: "test-phishing", name: "Phishing (test)", kind: "deny" },
          isExpired: false,
        },
      ],
      transactions: Array.from({ length: stored }, () => ({
        hash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
        role: "to",
        riskScore: expect.any(Number),
        riskLevel: expect.stringMatching(/^(low|medium|high|critical)$/),
        isAnomaly: expect.any(Boolean),
        createdAt: ISO,
      })),
      anomalyCount: expect.any(Number),
      // the embedded gateway's in-process address state: only USER ever paid the phisher, and it never sent
      context: {
        firstSeen: "2024-05-01T12:10:00.000Z",
        asSender: {
          transactions: 0,
          lastAt: null,
          distinctRecipients: 0,
          typicalValueEth: null,
          valuesSeen: 0,
        },
        asRecipient: { transactions: hashCounter, lastAt: ISO, distinctSenders: 1 },
      },
    });
    expect(screen.transactions[0]).toMatchObject({
      role: "to",
      isAnomaly: true,
      riskLevel: expect.stringMatching(/high|critical/),
    });

    const unknown = await app.send(`/api/v1/addresses/0x${"ee".repeat(20)}?chainId=5`, { headers: viewer });
    expect(unknown.json).toEqual({
      address: `0x${"ee".repeat(20)}`,
      chainId: 5,
      labels: [],
      transactions: [],
      anomalyCount: 0,
      context: null,
    });
  });

  it("deletes a label and a list (with its labels), and answers 404 the second time", async () => {
    const page = (await app.send(`/api/v1/labels?address=${SCAMMER}`)).json as { labels: { id: string }[] };
    const id = page.labels[0]?.id;
    const deleted = await app.send(`/api/v1/labels/${id}`, { method: "DELETE", headers: analyst });
    expect(deleted.status).toBe(200);
    expect(deleted.json).toEqual({ id, deleted: true });
    expect((await app.send(`/api/v1/labels/${id}`, { method: "DELETE", headers: analyst })).status).toBe(404);

    const list = await app.send("/api/v1/lists/test-old", { method: "DELETE" });
    expect(list.status).toBe(200);
    expect(list.json).toEqual({ id: "test-old", deleted: true });
    expect((await app.send("/api/v1/lists/test-old", { method: "DELETE" })).status).toBe(404);
    const screen = (await app.send(`/api/v1/addresses/${PHISHER}`)).json as { labels: { listId: string }[] };
    expect(screen.labels.map((label) => label.listId)).toEqual(["test-phishing"]);
  });
});
