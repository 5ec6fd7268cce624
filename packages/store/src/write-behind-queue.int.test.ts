import { createLogger } from "@chainwatch/service-kit";
import { describeWithServices, serviceUrls, uniqueName } from "@chainwatch/testing";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import type { Database } from "./database.ts";
import { runMigrations } from "./migrations/index.ts";
import { createPostgresDatabase } from "./postgres-database.ts";
import { createRepositories } from "./repositories/index.ts";
import type { ScoredTransactionRecord } from "./repositories/types.ts";
import { scoredRecord } from "./testing/fixtures.ts";
import { createWriteBehindQueue } from "./write-behind-queue.ts";

await describeWithServices("write-behind queue against a PostgreSQL that goes away", ["postgres"], () => {
  const schema = uniqueName("cw_queue").toLowerCase();
  const connect = () => createPostgresDatabase({ connectionString: serviceUrls.databaseUrl, schema });
  let admin: Database;

  beforeAll(async () => {
    admin = await connect();
    await runMigrations(admin);
  });

  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  });

  const storedCount = async () =>
    Number((await admin.query<{ n: string }>("SELECT count(*) AS n FROM transactions")).rows[0]?.n);

  it("keeps accepting without waiting, bounds memory, and resumes when the database is back", async () => {
    const unreachable = await createPostgresDatabase({
      connectionString: "postgres://postgres@127.0.0.1:1/test",
      connectionTimeoutMs: 200,
    });
    // the writer follows whichever database is current, as a reconnecting pool would
    let current: Database = unreachable;
    const seen = { dropped: 0, failures: 0, depth: 0 };
    const queue = createWriteBehindQueue<ScoredTransactionRecord>({
      write: async (batch) => {
        await createRepositories(current).recordScored(batch);
      },
      logger: createLogger({ name: "test", level: "silent" }),
      maxQueueSize: 20,
      batchSize: 5,
      flushIntervalMs: 10,
      retry: { initialDelayMs: 20, maxDelayMs: 100 },
      unhealthyAfterFailures: 2,
      metrics: {
        depth: (n) => {
          seen.depth = n;
        },
        dropped: (n) => {
          seen.dropped += n;
        },
        written: () => {},
        failures: () => {
          seen.failures += 1;
        },
      },
    });
    queue.start();

    // "Without waiting" is structural, not a stopwatch reading: enqueue answers synchronously (a plain
    // object, not a promise), so it cannot wait on the database whatever the machine's load.
    const first = queue.enqueue(Array.from({ length: 15 }, () => scoredRecord()));
    expect(first).not.toBeInstanceOf(Promise);
    expect(first).toEqual({ accepted: 15, dropped: 0 });
    await vi.waitFor(() => expect(queue.isHealthy()).toBe(false), { timeout: 5_000 });
    expect(queue.depth()).toBe(15);
    expect(seen.failures).toBeGreaterThanOrEqual(2);

    // Writes are failing now (proven above), and enqueue still answers at once, past the bound by dropping.
    const pastTheBound = queue.enqueue(Array.from({ length: 10 }, () => scoredRecord()));
    expect(pastTheBound).not.toBeInstanceOf(Promise);
    expect(pastTheBound).toEqual({ accepted: 5, dropped: 5 });
    expect(seen).toMatchObject({ depth: 20, dropped: 5 });
    expect(await storedCount()).toBe(0);

    current = admin;
    await vi.waitFor(() => expect(queue.depth()).toBe(0), { timeout: 10_000 });
    expect(await storedCount()).toBe(20);
    expect(queue.isHealthy()).toBe(true);

    // now a database that closes mid-run: writes fail, the queue holds, and a new pool picks them up
    const closing = await connect();
    current = closing;
    await closing.close();
    queue.enqueue(Array.from({ length: 7 }, () => scoredRecord()));
    const failuresBefore = seen.failures;
    await vi.waitFor(() => expect(seen.failures).toBeGreaterThan(failuresBefore + 1), { timeout: 5_000 });
    expect(queue.depth()).toBe(7);
    const reopened = await connect();
    current = reopened;
    await vi.waitFor(() => expect(queue.depth()).toBe(0), { timeout: 10_000 });
    expect(await storedCount()).toBe(27);

    await queue.stop();
    await reopened.close();
    await unreachable.close();
  });
});
