import { createPgliteDatabase, type Database } from "@chainwatch/store";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { anomalousTransaction } from "../testing/persistence-suite.ts";
import { createKey } from "../testing/security-helpers.ts";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

interface AuditRow {
  action: string;
  outcome: string;
  resource: string;
  details: Record<string, unknown>;
}

describe("audit trail", () => {
  let app: TestGateway;
  let database: Database;
  let analystKey: string;

  /** Audit entries are written behind the request (every 100 ms): poll, bounded. */
  const entriesFor = (action: string, expectedCount: number) =>
    vi.waitFor(
      async () => {
        const { rows } = await database.query<AuditRow>(
          "SELECT action, outcome, resource, details FROM audit_logs WHERE action = $1 ORDER BY id",
          [action],
        );
        expect(rows).toHaveLength(expectedCount);
        return rows;
      },
      { timeout: 5_000, interval: 50 },
    );

  beforeAll(async () => {
    database = await createPgliteDatabase();
    app = await startTestGateway({}, { database });
    analystKey = await createKey(app, "analyst");
  });
  afterAll(async () => {
    await app.stop();
    await database.close();
  });

  it("records anomaly reviews, and failed ones with their code and the raw path", async () => {
    const transaction = anomalousTransaction(7);
    expect((await app.send("/api/v1/transactions", { method: "POST", body: transaction })).status).toBe(202);
    const page = (await app.send("/api/v1/anomalies")).json as { items: { id: string; txHash: string }[] };
    const id = page.items.find((item) => item.txHash === transaction.hash)?.id;
    expect(id).toBeDefined();
    const headers = { "x-api-key": analystKey };
    const body = { falsePositive: true, note: "exchange sweep" };
    expect((await app.send(`/api/v1/anomalies/${id}/review`, { method: "POST", headers, body })).status).toBe(
      200,
    );
    expect(
      (await app.send("/api/v1/anomalies/999999/review", { method: "POST", headers, body })).status,
    ).toBe(404);
    expect((await app.send("/api/v1/anomalies/1/review", { method: "POST", headers, body: {} })).status).toBe(
      400,
    );

    const rows = await entriesFor("anomaly.review", 3);
    expect(rows.map(({ outcome, resource, details }) => ({ outcome, resource, code: details.code }))).toEqual(
      [
        { outcome: "success", resource: `POST /api/v1/anomalies/${id}/review`, code: undefined },
        { outcome: "failure", resource: "POST /api/v1/anomalies/999999/review", code: "NOT_FOUND" },
        { outcome: "failure", resource: "POST /api/v1/anomalies/1/review", code: "VALIDATION_ERROR" },
      ],
    );
  });

  it("records failed model operations with the error's code and status", async () => {
    const deploy = await app.send("/api/v1/models/if-000000000009/deploy", {
      method: "POST",
      body: { strategy: "shadow" },
    });
    expect(deploy.status).toBe(404);
    const rows = await entriesFor("model.deploy", 1);
    expect(rows[0]).toMatchObject({
      outcome: "failure",
      resource: "POST /api/v1/models/if-000000000009/deploy",
      details: { code: "MODEL_NOT_FOUND", status: 404 },
    });
  });
});
