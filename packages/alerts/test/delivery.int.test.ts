import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Database } from "@chainwatch/store";
import { runMigrations } from "@chainwatch/store";
import { scratchPostgresDatabase } from "@chainwatch/store/testing";
import { describeWithServices } from "@chainwatch/testing";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { alertMessageId } from "../src/alert.ts";
import { createDestinationRepository } from "../src/destinations.ts";
import { createOutbox } from "../src/outbox.ts";
import { type PolicyInput, PolicySchema } from "../src/policy.ts";
import { createAlertRouter } from "../src/router.ts";
import { createSecretBox } from "../src/secret-box.ts";
import { generateSigningSecret } from "../src/signing.ts";
import { type Receiver, startReceiver, waitFor } from "../src/testing/receiver.ts";
import { testAlert } from "./fixtures.ts";
import { dispatcherFor, TEST_SECRET_KEY } from "./harness.ts";

/**
 * The dispatcher against local HTTP receivers and the real PostgreSQL. Settings are short (FAST_CONFIG) so
 * outages, breakers and rate windows play out in seconds; the outage itself is the 30 s.
 */
await describeWithServices("alert delivery", ["postgres"], () => {
  let database: Database;
  let receiver: Receiver;
  const stops: (() => Promise<void>)[] = [];
  const box = createSecretBox({ key: TEST_SECRET_KEY });

  beforeAll(async () => {
    database = await scratchPostgresDatabase("alerts_delivery");
    await runMigrations(database);
  });
  afterAll(async () => {
    await database.close();
  });
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
    await receiver.close();
    await database.query("DELETE FROM alert_destinations");
  });

  const webhook = async (url: string, policy: PolicyInput = {}) => {
    const secret = generateSigningSecret();
    const destination = await createDestinationRepository(database).create(
      {
        name: "receiver",
        kind: "webhook",
        url,
        sealedSecret: box.seal(secret),
        policy: PolicySchema.parse(policy),
        maxConcurrency: 8,
      },
      "test",
    );
    return { destination, secret };
  };
  const enqueue = async (count: number) => {
    const alerts = Array.from({ length: count }, () => testAlert());
    const router = createAlertRouter({
      destinations: createDestinationRepository(database),
      outbox: createOutbox(database),
      refreshMs: 0,
      logger: (await import("@chainwatch/service-kit")).createLogger({ name: "t", level: "silent" }),
    });
    await router.route(alerts);
    return alerts;
  };
  const run = async (options: Parameters<typeof dispatcherFor>[1] = {}) => {
    const started = dispatcherFor(database, options);
    stops.push(started.stop);
    await started.dispatcher.start();
    return started;
  };
  const distinctIds = () =>
    new Set(receiver.requests.map((request) => String(request.headers["webhook-id"])));

  it("signs every delivery so the standardwebhooks library verifies it, with the stable webhook-id", async () => {
    const { destination, secret } = await webhook(receiver.url);
    const alerts = await enqueue(20);
    await run();
    await waitFor(() => receiver.requests.length >= 20, 30_000, "20 deliveries");
    const verifier = new Webhook(secret);
    for (const request of receiver.requests) {
      const headers = {
        "webhook-id": String(request.headers["webhook-id"]),
        "webhook-timestamp": String(request.headers["webhook-timestamp"]),
        "webhook-signature": String(request.headers["webhook-signature"]),
      };
      const payload = verifier.verify(request.body, headers) as { type: string; data: { hash: string } };
      expect(payload.type).toBe("anomaly.detected");
      expect(headers["webhook-id"]).toBe(alertMessageId(destination.id, payload.data.hash));
    }
    expect([...distinctIds()].sort()).toEqual(
      alerts.map((alert) => alertMessageId(destination.id, alert.hash)).sort(),
    );
    // Outcomes are written in batches after the receiver answers: the rows catch up shortly after.
    const statusCounts = async () =>
      (
        await database.query<{ status: string; count: string }>(
          "SELECT status, count(*) AS count FROM alert_outbox GROUP BY status",
        )
      ).rows;
    await waitFor(
      async () => (await statusCounts()).some((row) => row.status === "delivered" && row.count === "20"),
      10_000,
      "20 outbox rows marked delivered",
    );
    expect(await statusCounts()).toEqual([{ status: "delivered", count: "20" }]);
  });

  it("delivers every alert after the receiver was down for 30 s, recording the failed attempts", async () => {
    const { destination } = await webhook(receiver.url);
    await receiver.down();
    const alerts = await enqueue(50);
    await run();
    await new Promise((resolve) => setTimeout(resolve, 30_000));
    expect(receiver.requests).toHaveLength(0);
    const failed = await database.query<{ count: string }>(
      "SELECT count(*) AS count FROM alert_attempts WHERE outcome = 'failed' AND error LIKE 'ECONNREFUSED%'",
    );
    expect(Number(failed.rows[0]?.count)).toBeGreaterThan(0);
    await receiver.up();
    await waitFor(() => distinctIds().size >= 50, 30_000, "all 50 alerts after the outage");
    expect([...distinctIds()].sort()).toEqual(
      alerts.map((alert) => alertMessageId(destination.id, alert.hash)).sort(),
    );
    const duplicates = receiver.requests.length - distinctIds().size;
    process.stdout.write(
      `receiver down 30 s: 50 alerts, ${receiver.requests.length} requests, ${duplicates} duplicates\n`,
    );
    expect(duplicates).toBe(0);
  }, 120_000);

  it("retries a 5xx answer and dead-letters past the maximum age", async () => {
    await webhook(receiver.url);
    receiver.setStatus(503);
    await enqueue(3);
    await run({ config: { maxAgeMs: 1_500, backoff: { initialDelayMs: 100, maxDelayMs: 400 } } });
    await waitFor(
      async () => (await createOutbox(database).stats()).dead === 3,
      30_000,
      "three dead-lettered deliveries",
    );
    const { rows } = await database.query<{ outcome: string; status_code: number }>(
      "SELECT DISTINCT outcome, status_code FROM alert_attempts ORDER BY outcome",
    );
    expect(rows).toEqual([
      { outcome: "dead", status_code: 503 },
      { outcome: "failed", status_code: 503 },
    ]);
    receiver.setStatus(200);
    expect(await createOutbox(database).redeliver({})).toBe(3);
    await waitFor(
      () => receiver.requests.some((request) => request.body.length > 0) && distinctIds().size === 3,
      10_000,
      "redelivered",
    );
    await waitFor(async () => (await createOutbox(database).stats()).dead === 0, 10_000, "no dead rows");
  });

  it("refuses a loopback target at delivery when private targets are not allowed (SSRF)", async () => {
    await webhook(receiver.url);
    await enqueue(1);
    await run({ allowPrivate: false });
    await waitFor(
      async () =>
        Number(
          (await database.query<{ count: string }>("SELECT count(*) AS count FROM alert_attempts")).rows[0]
            ?.count,
        ) > 0,
      10_000,
      "a refused attempt",
    );
    const { rows } = await database.query<{ error: string; status_code: number | null }>(
      "SELECT error, status_code FROM alert_attempts",
    );
    expect(rows[0]).toEqual({
      error: "target 127.0.0.1 refused (private, loopback or link-local)",
      status_code: null,
    });
    expect(receiver.requests).toHaveLength(0);
  });

  it("obeys a burst's rate cap with digests: 10,000 alerts, at most 5 messages per 2 s window, none lost", async () => {
    const { destination, secret } = await webhook(receiver.url, {
      rateCap: { maxPerWindow: 5, windowSeconds: 2 },
    });
    const alerts = await enqueue(10_000);
    await run();
    const covered = new Map<string, number>();
    const verifier = new Webhook(secret);
    await waitFor(
      () => {
        covered.clear();
        for (const request of receiver.requests) {
          const payload = verifier.verify(request.body, {
            "webhook-id": String(request.headers["webhook-id"]),
            "webhook-timestamp": String(request.headers["webhook-timestamp"]),
            "webhook-signature": String(request.headers["webhook-signature"]),
          }) as { type: string; data: { hash?: string; items?: { hash: string }[] } };
          const hashes =
            payload.type === "anomaly.digest"
              ? (payload.data.items ?? []).map((item) => item.hash)
              : [payload.data.hash ?? ""];
          for (const hash of hashes) covered.set(hash, (covered.get(hash) ?? 0) + 1);
        }
        return covered.size >= 10_000;
      },
      60_000,
      "every alert delivered or summarised",
    );
    expect(new Set(alerts.map((alert) => alert.hash))).toEqual(new Set(covered.keys()));
    const windows = await database.query<{ sent: number }>(
      "SELECT sent FROM alert_rate_windows WHERE destination_id = $1",
      [destination.id],
    );
    expect(Math.max(...windows.rows.map((row) => row.sent))).toBeLessThanOrEqual(5);
    const digests = receiver.requests.filter((request) => request.body.includes('"anomaly.digest"'));
    expect(digests.length).toBeGreaterThan(0);
    expect(receiver.requests.length).toBeLessThanOrEqual(5 * windows.rows.length);
    const duplicates = [...covered.values()].filter((count) => count > 1).length;
    process.stdout.write(
      `burst 10000 → ${receiver.requests.length} messages (${digests.length} digests) over ${windows.rows.length} windows; ${duplicates} alerts sent twice\n`,
    );
  }, 120_000);

  it("holds a destination to its maxConcurrency requests at once", async () => {
    let open = 0;
    let mostOpen = 0;
    let answered = 0;
    const slow = createServer((req, res) => {
      open += 1;
      mostOpen = Math.max(mostOpen, open);
      req.resume();
      setTimeout(() => {
        open -= 1;
        answered += 1;
        res.writeHead(200).end("ok");
      }, 100);
    });
    await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
    const { port } = slow.address() as AddressInfo;
    try {
      await createDestinationRepository(database).create(
        {
          name: "slow",
          kind: "slack",
          url: `http://127.0.0.1:${port}/`,
          sealedSecret: null,
          policy: PolicySchema.parse({}),
          maxConcurrency: 3,
        },
        "test",
      );
      await enqueue(30);
      await run();
      await waitFor(() => answered >= 30, 30_000, "30 slow deliveries");
      expect(mostOpen).toBe(3);
    } finally {
      slow.closeAllConnections();
      await new Promise((resolve) => slow.close(resolve));
    }
  });

  it("lets two dispatchers share one outbox without delivering an alert twice", async () => {
    const { destination } = await webhook(receiver.url);
    const alerts = await enqueue(2_000);
    await Promise.all([run({ owner: "one" }), run({ owner: "two" })]);
    await waitFor(() => distinctIds().size >= 2_000, 60_000, "2000 deliveries");
    expect([...distinctIds()].sort()).toEqual(
      alerts.map((alert) => alertMessageId(destination.id, alert.hash)).sort(),
    );
    // The receiver answers before the outcome is written: wait for the last ones to be recorded.
    await waitFor(
      async () => (await createOutbox(database).stats()).pending === 0,
      10_000,
      "every outcome recorded",
    );
    const attempts = await database.query<{ count: string }>("SELECT count(*) AS count FROM alert_attempts");
    expect(Number(attempts.rows[0]?.count)).toBe(2_000);
    expect(receiver.requests.length - distinctIds().size).toBe(0);
  });
});
