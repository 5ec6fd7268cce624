import { randomBytes } from "node:crypto";
import { type Receiver, startReceiver, waitFor } from "@chainwatch/alerts/testing";
import { createPgliteDatabase, type Database } from "@chainwatch/store";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createKey } from "../testing/security-helpers.ts";
import { simpleTransaction, startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

const SECRET_KEY = Buffer.alloc(32, 3).toString("base64");
const tx = (overrides: Record<string, unknown> = {}) =>
  simpleTransaction(1, {
    hash: `0x${randomBytes(32).toString("hex")}`,
    value: 250_000,
    gasPrice: 9_000,
    gas: 7_900_000,
    ...overrides,
  });

interface Created {
  destination: {
    id: string;
    kind: string;
    url: string | null;
    hasSecret: boolean;
    enabled: boolean;
    policy: Record<string, unknown>;
  };
  signingSecret?: string;
}

const headersOf = (request: { headers: Record<string, unknown> }) => ({
  "webhook-id": String(request.headers["webhook-id"]),
  "webhook-timestamp": String(request.headers["webhook-timestamp"]),
  "webhook-signature": String(request.headers["webhook-signature"]),
});

describe("alerts API (embedded mode): happy paths", () => {
  let app: TestGateway;
  let database: Database;
  let receiver: Receiver;

  beforeAll(async () => {
    database = await createPgliteDatabase();
    app = await startTestGateway(
      {
        ALERT_SECRET_KEY: SECRET_KEY,
        // The receiver listens on loopback, which the SSRF guard refuses unless allowed.
        ALERT_ALLOW_PRIVATE_TARGETS: "true",
        ALERT_POLL_INTERVAL_MS: "50",
        ALERT_DESTINATIONS_REFRESH_MS: "100",
        RISK_THRESHOLD: "0.000001",
      },
      { database },
    );
  });
  afterAll(async () => {
    await app.stop();
    await database.close();
  });
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await receiver.close();
    await database.query("DELETE FROM alert_destinations");
  });

  const create = async (body: Record<string, unknown>) => {
    const response = await app.send("/api/v1/alerts/destinations", { method: "POST", body });
    expect(response.status).toBe(201);
    return response.json as Created;
  };

  it("creates a signed webhook, shows its secret once, stores it sealed, and a test alert verifies", async () => {
    const created = await create({ kind: "webhook", name: "soc", url: receiver.url });
    expect(created.signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(created.destination).toMatchObject({ kind: "webhook", hasSecret: true, enabled: true });
    const listed = await app.send("/api/v1/alerts/destinations");
    expect(JSON.stringify(listed.json)).not.toContain(created.signingSecret);
    const { rows } = await database.query<{ secret_ciphertext: string }>(
      "SELECT secret_ciphertext FROM alert_destinations WHERE id = $1",
      [created.destination.id],
    );
    expect(rows[0]?.secret_ciphertext).toMatch(/^v1\.[0-9a-f]{8}\./);
    expect(rows[0]?.secret_ciphertext).not.toContain((created.signingSecret ?? "").slice(6));

    const test = await app.send(`/api/v1/alerts/destinations/${created.destination.id}/test`, {
      method: "POST",
    });
    expect(test.status).toBe(200);
    expect(test.json).toMatchObject({ delivered: true, statusCode: 200, error: null });
    const [request] = receiver.requests;
    if (!request) throw new Error("no test alert received");
    const payload = new Webhook(created.signingSecret ?? "").verify(request.body, headersOf(request)) as {
      type: string;
      data: { reasons: { code: string }[] };
    };
    expect(payload.type).toBe("alert.test");
    expect(payload.data.reasons[0]?.code).toBe("test_alert");
  });

  it("delivers an ingested anomaly in process, signed, with the transaction's link", async () => {
    const created = await create({ kind: "webhook", name: "soc", url: receiver.url });
    const one = tx();
    expect((await app.send("/api/v1/transactions", { method: "POST", body: one })).status).toBe(202);
    await waitFor(() => receiver.requests.length >= 1, 20_000, "the anomaly's webhook");
    const [request] = receiver.requests;
    if (!request) throw new Error("no alert received");
    const payload = new Webhook(created.signingSecret ?? "").verify(request.body, headersOf(request)) as {
      type: string;
      data: { hash: string; link: string };
    };
    expect(payload.type).toBe("anomaly.detected");
    expect(payload.data.hash).toBe(one.hash);
    expect(payload.data.link).toBe(`http://localhost:8080/api/v1/transactions/${one.hash}`);
    // The delivery as analysts see it: delivered at the first attempt, with the receiver's answer.
    const analyst = { "x-api-key": await createKey(app, "analyst") };
    await waitFor(
      async () =>
        (
          (await app.send("/api/v1/alerts/deliveries?status=delivered", { headers: analyst })).json as {
            deliveries: unknown[];
          }
        ).deliveries.length === 1,
      20_000,
      "the delivery recorded",
    );
    const deliveries = await app.send(`/api/v1/alerts/deliveries?destinationId=${created.destination.id}`, {
      headers: analyst,
    });
    expect(deliveries.json).toEqual({
      deliveries: [
        {
          id: expect.stringMatching(/^\d+$/),
          destinationId: created.destination.id,
          messageId: request.headers["webhook-id"],
          hash: one.hash,
          status: "delivered",
          attempts: 1,
          createdAt: expect.any(String),
          nextAttemptAt: null,
          deliveredAt: expect.any(String),
          lastStatusCode: 200,
          lastError: null,
        },
      ],
      next: null,
    });
    expect((await app.send("/api/v1/alerts/deliveries?status=pending", { headers: analyst })).json).toEqual({
      deliveries: [],
      next: null,
    });
    // Ingesting the same transaction again queues nothing new: one row per (destination, transaction).
    expect((await app.send("/api/v1/transactions", { method: "POST", body: one })).status).toBe(202);
    const { rows } = await database.query<{ count: string }>(
      "SELECT count(*) AS count FROM alert_outbox WHERE tx_hash = $1",
      [one.hash],
    );
    expect(Number(rows[0]?.count)).toBe(1);
  });

  it("mutes an address through the policy, disables and deletes a destination", async () => {
    const created = await create({ kind: "slack", name: "chat", url: receiver.url });
    // The URL's path is the channel's credential: sealed at rest, shown by scheme and host only.
    const host = new URL(receiver.url).host;
    expect(created.destination.url).toBe(`http://${host}/…`);
    const stored = await database.query<{ url: string; secret_ciphertext: string }>(
      "SELECT url, secret_ciphertext FROM alert_destinations WHERE id = $1",
      [created.destination.id],
    );
    expect(stored.rows[0]?.url).toBe(`http://${host}/…`);
    expect(stored.rows[0]?.secret_ciphertext).toEqual(expect.any(String));
    const sender = `0x${"ab".repeat(20)}`;
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const updated = await app.send(`/api/v1/alerts/destinations/${created.destination.id}`, {
      method: "PUT",
      body: { policy: { minLevel: "low", mutes: [{ address: sender, until }] } },
    });
    expect(updated.status).toBe(200);
    expect((updated.json as Created["destination"]).policy).toMatchObject({
      mutes: [{ address: sender, until }],
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const muted = tx({ from: sender });
    const heard = tx();
    await app.send("/api/v1/batch/transactions", { method: "POST", body: { transactions: [muted, heard] } });
    await waitFor(() => receiver.requests.length >= 1, 20_000, "the unmuted alert");
    const { rows } = await database.query<{ tx_hash: string }>("SELECT tx_hash FROM alert_outbox");
    expect(rows.map((row) => row.tx_hash)).toEqual([heard.hash]);
    // Delivered to the full URL the analyst gave, unsealed for the request.
    expect(receiver.requests[0]?.path).toBe("/hook");
    const slack = JSON.parse(receiver.requests[0]?.body ?? "{}") as { text: string };
    expect(slack.text).toContain("risk anomaly");

    const disabled = await app.send(`/api/v1/alerts/destinations/${created.destination.id}`, {
      method: "PUT",
      body: { enabled: false },
    });
    expect((disabled.json as Created["destination"]).enabled).toBe(false);
    const deleted = await app.send(`/api/v1/alerts/destinations/${created.destination.id}`, {
      method: "DELETE",
    });
    expect(deleted.json).toEqual({ id: created.destination.id, deleted: true });
    expect((await app.send("/api/v1/alerts/destinations")).json).toEqual({ destinations: [] });
  });

  it("lists dead letters to analysts and redelivers them for admins", async () => {
    const created = await create({ kind: "log", name: "log" });
    await database.query(
      `INSERT INTO alert_outbox (destination_id, tx_hash, message_id, payload, scored_at, status, attempts, last_error)
       VALUES ($1, '0xdead', 'msg_dead', '{}'::jsonb, now(), 'dead', 7, 'HTTP 503: down')`,
      [created.destination.id],
    );
    const analyst = { "x-api-key": await createKey(app, "analyst") };
    const page = await app.send("/api/v1/alerts/dead-letters", { headers: analyst });
    expect(page.status).toBe(200);
    expect(page.json).toEqual({
      deadLetters: [
        expect.objectContaining({
          destinationId: created.destination.id,
          messageId: "msg_dead",
          hash: "0xdead",
          attempts: 7,
          lastError: "HTTP 503: down",
        }),
      ],
      next: null,
    });
    const redelivered = await app.send("/api/v1/alerts/dead-letters/redeliver", {
      method: "POST",
      body: { destinationId: created.destination.id },
    });
    expect(redelivered.json).toEqual({ redelivered: 1 });
    expect((await app.send("/api/v1/alerts/dead-letters")).json).toEqual({ deadLetters: [], next: null });
  });
});
