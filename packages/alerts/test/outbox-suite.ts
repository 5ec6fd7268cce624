import type { Database } from "@chainwatch/store";
import { runMigrations } from "@chainwatch/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertMessageId } from "../src/alert.ts";
import { createDestinationRepository } from "../src/destinations.ts";
import { createOutbox } from "../src/outbox.ts";
import { PolicySchema } from "../src/policy.ts";
import { testAlert } from "./fixtures.ts";

/** One suite for the outbox repository on both drivers (PGlite in unit, PostgreSQL in integration). */
export function defineOutboxSuite(name: string, open: () => Promise<Database>) {
  describe(name, () => {
    let database: Database;
    let destinationId: string;
    const entry = (destination: string, alert = testAlert()) => ({
      destinationId: destination,
      hash: alert.hash,
      messageId: alertMessageId(destination, alert.hash),
      alert,
    });

    beforeAll(async () => {
      database = await open();
      await runMigrations(database);
      const destination = await createDestinationRepository(database).create(
        {
          name: "log",
          kind: "log",
          url: null,
          sealedSecret: null,
          policy: PolicySchema.parse({}),
          maxConcurrency: 2,
        },
        "test",
      );
      destinationId = destination.id;
    });
    afterAll(async () => {
      await database.close();
    });

    it("keeps one row per (destination, transaction)", async () => {
      const outbox = createOutbox(database);
      const first = entry(destinationId);
      expect(await outbox.enqueue([first, entry(destinationId)])).toBe(2);
      expect(await outbox.enqueue([first])).toBe(0);
      const { rows } = await database.query<{ count: string }>(
        "SELECT count(*) AS count FROM alert_outbox WHERE tx_hash = $1",
        [first.hash],
      );
      expect(Number(rows[0]?.count)).toBe(1);
    });

    it("leases claimed rows: another owner gets none until the lease passes", async () => {
      await database.query("DELETE FROM alert_outbox");
      const outbox = createOutbox(database);
      await outbox.enqueue([entry(destinationId), entry(destinationId), entry(destinationId)]);
      const a = await outbox.claim({ limit: 10, leaseMs: 60_000, owner: "a" });
      expect(a).toHaveLength(3);
      expect(await outbox.claim({ limit: 10, leaseMs: 60_000, owner: "b" })).toHaveLength(0);
      await database.query("UPDATE alert_outbox SET locked_until = now() - interval '1 second'");
      const b = await outbox.claim({ limit: 10, leaseMs: 60_000, owner: "b" });
      expect(b.map((row) => row.id).sort()).toEqual(a.map((row) => row.id).sort());
      // The first owner lost its lease: its late outcome moves nothing.
      const late = await outbox.complete({
        owner: "a",
        maxAgeMs: 86_400_000,
        results: a.map((row) => ({
          id: row.id,
          isOk: true,
          statusCode: 200,
          latencyMs: 5,
          error: null,
          retryDelayMs: 0,
        })),
      });
      expect(late.size).toBe(0);
    });

    it("records each attempt and moves rows to delivered, retry or dead", async () => {
      await database.query("DELETE FROM alert_outbox");
      const outbox = createOutbox(database);
      await outbox.enqueue([entry(destinationId), entry(destinationId), entry(destinationId)]);
      const [ok, retry, dead] = await outbox.claim({ limit: 10, leaseMs: 60_000, owner: "a" });
      if (!ok || !retry || !dead) throw new Error("expected three claimed rows");
      const moved = await outbox.complete({
        owner: "a",
        maxAgeMs: 3_600_000,
        results: [
          { id: ok.id, isOk: true, statusCode: 204, latencyMs: 12, error: null, retryDelayMs: 0 },
          {
            id: retry.id,
            isOk: false,
            statusCode: 503,
            latencyMs: 30,
            error: "HTTP 503: down",
            retryDelayMs: 60_000,
          },
          {
            id: dead.id,
            isOk: false,
            statusCode: null,
            latencyMs: 5_000,
            error: "timed out",
            retryDelayMs: 7_200_000,
          },
        ],
      });
      expect(Object.fromEntries(moved)).toEqual({
        [ok.id]: "delivered",
        [retry.id]: "pending",
        [dead.id]: "dead",
      });
      expect(await outbox.attempts(retry.id)).toEqual([
        expect.objectContaining({
          outcome: "failed",
          statusCode: 503,
          latencyMs: 30,
          error: "HTTP 503: down",
        }),
      ]);
      expect(await outbox.attempts(ok.id)).toEqual([
        expect.objectContaining({ outcome: "delivered", statusCode: 204 }),
      ]);
      // The retry is not due for a minute.
      expect(await outbox.claim({ limit: 10, leaseMs: 60_000, owner: "a" })).toHaveLength(0);
      expect(await outbox.stats()).toMatchObject({ pending: 1, dead: 1 });

      const deadRows = await outbox.listDead({ destinationId, limit: 10 });
      expect(deadRows).toEqual([
        expect.objectContaining({ id: dead.id, hash: dead.alert.hash, attempts: 1, lastError: "timed out" }),
      ]);
      expect(await outbox.redeliver({ ids: [dead.id] })).toBe(1);
      const again = await outbox.claim({ limit: 10, leaseMs: 60_000, owner: "b" });
      expect(again.map((row) => row.id)).toEqual([dead.id]);
      expect(again[0]?.messageId).toBe(dead.messageId);
    });

    it("lists deliveries of every status newest first, by destination and status, page by page", async () => {
      await database.query("DELETE FROM alert_outbox");
      const outbox = createOutbox(database);
      const [ok, retry, dead, waiting] = [testAlert(), testAlert(), testAlert(), testAlert()].map((alert) =>
        entry(destinationId, alert),
      ) as [
        ReturnType<typeof entry>,
        ReturnType<typeof entry>,
        ReturnType<typeof entry>,
        ReturnType<typeof entry>,
      ];
      await outbox.enqueue([ok, retry, dead]);
      const claimed = await outbox.claim({ limit: 10, leaseMs: 60_000, owner: "a" });
      const idOf = (hash: string) => claimed.find((row) => row.alert.hash === hash)?.id ?? "";
      await outbox.complete({
        owner: "a",
        maxAgeMs: 3_600_000,
        results: [
          { id: idOf(ok.hash), isOk: true, statusCode: 204, latencyMs: 12, error: null, retryDelayMs: 0 },
          {
            id: idOf(retry.hash),
            isOk: false,
            statusCode: 503,
            latencyMs: 30,
            error: "HTTP 503: down",
            retryDelayMs: 60_000,
          },
          {
            id: idOf(dead.hash),
            isOk: false,
            statusCode: null,
            latencyMs: 5_000,
            error: "timed out",
            retryDelayMs: 7_200_000,
          },
        ],
      });
      await outbox.enqueue([waiting]);

      const all = await outbox.listDeliveries({ limit: 10 });
      expect(
        all.map((row) => [row.hash, row.status, row.attempts, row.lastStatusCode, row.lastError]),
      ).toEqual([
        [waiting.hash, "pending", 0, null, null],
        [dead.hash, "dead", 1, null, "timed out"],
        [retry.hash, "pending", 1, 503, "HTTP 503: down"],
        [ok.hash, "delivered", 1, 204, null],
      ]);
      const [, , retried, delivered] = all;
      expect(retried?.nextAttemptAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(Date.parse(retried?.nextAttemptAt ?? "") - Date.now()).toBeGreaterThan(30_000);
      expect(delivered?.deliveredAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(delivered?.nextAttemptAt).toBeNull();
      expect(delivered?.messageId).toBe(ok.messageId);

      expect((await outbox.listDeliveries({ limit: 10, status: "pending" })).map((row) => row.hash)).toEqual([
        waiting.hash,
        retry.hash,
      ]);
      expect(await outbox.listDeliveries({ limit: 10, destinationId: "dst_nobody_here" })).toEqual([]);
      const first = await outbox.listDeliveries({ limit: 3 });
      const rest = await outbox.listDeliveries({ limit: 3, beforeId: first.at(-1)?.id ?? "" });
      expect([...first, ...rest].map((row) => row.hash)).toEqual(all.map((row) => row.hash));
    });

    it("gives released rows back without an attempt, due after the delay", async () => {
      await database.query("DELETE FROM alert_outbox");
      const outbox = createOutbox(database);
      await outbox.enqueue([entry(destinationId)]);
      const [row] = await outbox.claim({ limit: 1, leaseMs: 60_000, owner: "a" });
      if (!row) throw new Error("expected a row");
      await outbox.release({ ids: [row.id], owner: "a", delayMs: 0 });
      const [again] = await outbox.claim({ limit: 1, leaseMs: 60_000, owner: "b" });
      expect(again?.attempts).toBe(0);
      await outbox.release({ ids: [row.id], owner: "b", delayMs: 60_000 });
      expect(await outbox.claim({ limit: 1, leaseMs: 60_000, owner: "c" })).toHaveLength(0);
    });

    it("counts messages per destination window up to the cap", async () => {
      const outbox = createOutbox(database);
      const cap = { maxPerWindow: 2, windowSeconds: 3_600 };
      const first = await outbox.reserveSlot(destinationId, cap);
      const second = await outbox.reserveSlot(destinationId, cap);
      const third = await outbox.reserveSlot(destinationId, cap);
      expect([first.used, second.used, third.used]).toEqual([1, 2, null]);
      expect(third.windowLeftMs).toBeGreaterThan(0);
      expect(third.windowLeftMs).toBeLessThanOrEqual(3_600_000);
    });

    it("deletes the destination's rows with it", async () => {
      const destinations = createDestinationRepository(database);
      const other = await destinations.create(
        {
          name: "gone",
          kind: "log",
          url: null,
          sealedSecret: null,
          policy: PolicySchema.parse({}),
          maxConcurrency: 1,
        },
        "test",
      );
      const outbox = createOutbox(database);
      await outbox.enqueue([entry(other.id)]);
      expect(await destinations.remove(other.id)).toBe(true);
      const { rows } = await database.query<{ count: string }>(
        "SELECT count(*) AS count FROM alert_outbox WHERE destination_id = $1",
        [other.id],
      );
      expect(Number(rows[0]?.count)).toBe(0);
    });
  });
}
