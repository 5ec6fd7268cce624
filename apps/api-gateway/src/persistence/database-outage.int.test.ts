import { createPostgresDatabase, type Database } from "@chainwatch/store";
import { describeWithServices, serviceUrls, uniqueName } from "@chainwatch/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { waitFor } from "../testing/persistence-suite.ts";
import { simpleTransaction, startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

/** Routes every call to the real database or, while "down", to a real pool aimed at a closed port. */
function switchableDatabase(real: Database, unreachable: Database) {
  let isDown = false;
  const target = () => (isDown ? unreachable : real);
  const database: Database = {
    driver: real.driver,
    query: (sql, params) => target().query(sql, params),
    exec: (script) => target().exec(script),
    transaction: (work) => target().transaction(work),
    ping: () => target().ping(),
    close: async () => {},
  };
  return { database, setDown: (down: boolean) => (isDown = down) };
}

const metricValue = (text: string, name: string) =>
  Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1]);

await describeWithServices("gateway while PostgreSQL goes away and comes back", ["postgres"], () => {
  const schema = uniqueName("cw_outage").toLowerCase();
  let real: Database;
  let unreachable: Database;
  let app: TestGateway;
  let switchable: ReturnType<typeof switchableDatabase>;
  const base = Date.now() * 1_000;

  beforeAll(async () => {
    real = await createPostgresDatabase({ connectionString: serviceUrls.databaseUrl, schema });
    unreachable = await createPostgresDatabase({
      connectionString: "postgres://postgres@127.0.0.1:1/test",
      connectionTimeoutMs: 200,
    });
    switchable = switchableDatabase(real, unreachable);
    app = await startTestGateway(
      {
        DB_WRITE_QUEUE_MAX: "100",
        DB_WRITE_BATCH_SIZE: "50",
        DB_WRITE_FLUSH_INTERVAL_MS: "20",
        // Expire cached credentials at once, so the outage path (stale-on-error) is what serves them.
        AUTH_CACHE_TTL_SECONDS: "0",
      },
      { database: switchable.database },
    );
  });

  afterAll(async () => {
    await app.stop();
    await real.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await real.close();
    await unreachable.close();
  });

  it("keeps answering 200 under load, bounds the queue, counts drops, and resumes writes on recovery", async () => {
    // The caller is known before the outage, as any running client would be.
    expect((await app.send("/api/v1/auth/me")).status).toBe(200);
    switchable.setDown(true);
    expect(
      (await app.send("/api/v1/auth/me", { headers: { "x-api-key": `cw_${"0".repeat(64)}` } })).status,
    ).toBe(503);
    const batchRequest = (batch: number) =>
      app.send("/api/v1/batch/predict", {
        method: "POST",
        body: {
          transactions: Array.from({ length: 10 }, (_, item) => simpleTransaction(base + batch * 10 + item)),
        },
      });
    // The queue learns of the outage from its first failed write. Until then a full queue reads as a
    // store that is merely behind, which sheds load (503 STORE_BACKLOGGED, predict.backlog.test.ts); from
    // then on predict keeps answering and drops what does not fit (decision 0003).
    expect((await batchRequest(0)).status).toBe(200);
    await waitFor(async () => {
      const failures = metricValue((await app.send("/metrics")).text, "store_write_failures_total");
      return failures > 0 ? failures : undefined;
    });
    const responses = await Promise.all(Array.from({ length: 29 }, (_, index) => batchRequest(index + 1)));
    expect(responses.map((response) => response.status)).toEqual(Array(29).fill(200));

    const during = (await app.send("/metrics")).text;
    expect(metricValue(during, "store_write_queue_depth")).toBe(100);
    expect(metricValue(during, "store_write_queue_dropped_total")).toBe(200);
    const health = await app.send("/health");
    expect(health.json).toMatchObject({ status: "degraded", dependencies: { database: { status: "down" } } });
    expect((await app.send("/health/ready")).status).toBe(200);
    const lookup = await app.send(`/api/v1/transactions/${simpleTransaction(base).hash}`);
    expect(lookup.status).toBe(503);
    expect(lookup.json).toMatchObject({ code: "DATABASE_UNAVAILABLE" });
    expect(lookup.text).not.toContain("127.0.0.1");
    // The model registry's routes answer the same way.
    for (const path of ["/api/v1/models", "/api/v1/models/drift"]) {
      const answer = await app.send(path);
      expect(answer.status).toBe(503);
      expect(answer.json).toMatchObject({ code: "DATABASE_UNAVAILABLE" });
    }

    switchable.setDown(false);
    await waitFor(async () => {
      const text = (await app.send("/metrics")).text;
      return metricValue(text, "store_write_queue_depth") === 0 ? text : undefined;
    }, 20_000);
    const { rows } = await real.query<{ count: string }>("SELECT count(*)::text AS count FROM predictions");
    expect(rows[0]?.count).toBe("100");

    const after = simpleTransaction(base + 10_000);
    expect((await app.send("/api/v1/predict", { method: "POST", body: after })).status).toBe(200);
    await waitFor(async () =>
      (await app.send(`/api/v1/transactions/${after.hash}`)).status === 200 ? true : undefined,
    );
    expect((await app.send("/health")).json).toMatchObject({ dependencies: { database: { status: "up" } } });
  });
});
