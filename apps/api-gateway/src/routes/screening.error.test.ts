import { createPgliteDatabase, type Database } from "@chainwatch/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

const ADDRESS = `0x${"9e".repeat(20)}`;
const REQUEST_ID = expect.any(String);

interface ErrorAnswer {
  code: string;
  message: string;
  details?: { issues?: { path: string; message: string }[]; invalidItems?: number };
}

describe("screening API: bad input and unknown ids", () => {
  let app: TestGateway;
  let database: Database;

  beforeAll(async () => {
    database = await createPgliteDatabase();
    app = await startTestGateway({}, { database });
    expect(
      (await app.send("/api/v1/lists/errors-deny", { method: "PUT", body: { name: "Errors", kind: "deny" } }))
        .status,
    ).toBe(201);
  });
  afterAll(async () => {
    await app.stop();
    await database.close();
  });

  const issuesOf = (answer: { json?: unknown }) =>
    ((answer.json as ErrorAnswer).details?.issues ?? []).map((issue) => issue.path);

  it("refuses a malformed list id and a bad list body with 400", async () => {
    for (const id of ["Upper", "-dash-first", "a".repeat(65), "has%20space"]) {
      const answer = await app.send(`/api/v1/lists/${id}`, {
        method: "PUT",
        body: { name: "x", kind: "deny" },
      });
      expect(answer.status, id).toBe(400);
      expect(issuesOf(answer), id).toEqual(["id"]);
    }
    const badKind = await app.send("/api/v1/lists/fine", {
      method: "PUT",
      body: { name: "x", kind: "block" },
    });
    expect(badKind.status).toBe(400);
    expect(issuesOf(badKind)).toEqual(["kind"]);
    const extra = await app.send("/api/v1/lists/fine", {
      method: "PUT",
      body: { name: "x", kind: "deny", id: "other" },
    });
    expect(extra.status).toBe(400);
    const empty = await app.send("/api/v1/lists/fine", { method: "PUT", body: {} });
    expect(empty.status).toBe(400);
    expect(issuesOf(empty).sort()).toEqual(["kind", "name"]);
    expect(
      ((await app.send("/api/v1/lists")).json as { lists: { id: string }[] }).lists.map((l) => l.id),
    ).not.toContain("fine");
  });

  it("refuses a bad address, category, confidence or expiry of a label with 400 naming the field", async () => {
    const cases = [
      [{ address: "0x123", category: "phishing" }, "address"],
      [{ address: `${ADDRESS}00`, category: "phishing" }, "address"],
      [{ address: ADDRESS, category: "evil" }, "category"],
      [{ address: ADDRESS, category: "scam", confidence: 2 }, "confidence"],
      [{ address: ADDRESS, category: "scam", expiresAt: "tomorrow" }, "expiresAt"],
      [{ address: ADDRESS, category: "scam", chainId: 0 }, "chainId"],
      [{ address: ADDRESS, category: "scam", note: "nul\u0000" }, "note"],
    ] as const;
    for (const [body, field] of cases) {
      const answer = await app.send("/api/v1/lists/errors-deny/labels", { method: "POST", body });
      expect(answer.status, field).toBe(400);
      expect(answer.json).toEqual({
        code: "VALIDATION_ERROR",
        message: "invalid label",
        requestId: REQUEST_ID,
        details: { issues: [{ path: field, message: expect.any(String) }] },
      });
    }
  });

  it("answers 404 for a label or import into an unknown list", async () => {
    const label = await app.send("/api/v1/lists/no-such-list/labels", {
      method: "POST",
      body: { address: ADDRESS, category: "scam" },
    });
    expect(label.status).toBe(404);
    expect((label.json as ErrorAnswer).code).toBe("LABEL_LIST_NOT_FOUND");
    const imported = await app.send("/api/v1/lists/no-such-list/labels/import", {
      method: "POST",
      body: { labels: [{ address: ADDRESS, category: "scam" }] },
    });
    expect(imported.status).toBe(404);
    expect((imported.json as ErrorAnswer).code).toBe("LABEL_LIST_NOT_FOUND");
  });

  it("refuses an import with any invalid item, names the items, and imports nothing", async () => {
    const labels = [
      { address: ADDRESS, category: "scam" },
      { address: "0xnothex", category: "scam" },
      { address: `0x${"12".repeat(20)}`, category: "nope" },
    ];
    const answer = await app.send("/api/v1/lists/errors-deny/labels/import", {
      method: "POST",
      body: { labels },
    });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      code: "VALIDATION_ERROR",
      message: "invalid label import",
      requestId: REQUEST_ID,
      details: {
        issues: [
          { path: "labels.1.address", message: expect.any(String) },
          { path: "labels.2.category", message: expect.any(String) },
        ],
        invalidItems: 2,
      },
    });
    const page = (await app.send("/api/v1/labels?listId=errors-deny")).json as { labels: unknown[] };
    expect(page.labels).toEqual([]);

    const many = Array.from({ length: 150 }, () => ({ address: "0x0", category: "scam" }));
    const capped = await app.send("/api/v1/lists/errors-deny/labels/import", {
      method: "POST",
      body: { labels: many },
    });
    expect(capped.status).toBe(400);
    expect((capped.json as ErrorAnswer).details?.invalidItems).toBe(150);
    expect((capped.json as ErrorAnswer).details?.issues).toHaveLength(100);

    for (const body of [{ labels: [] }, { labels: labels.slice(0, 1), mode: "wipe" }, { rows: [] }]) {
      const refused = await app.send("/api/v1/lists/errors-deny/labels/import", { method: "POST", body });
      expect(refused.status, JSON.stringify(body)).toBe(400);
    }
  });

  it("refuses an import of more than 10,000 labels before writing anything", async () => {
    const labels = Array.from({ length: 10_001 }, (_, index) => ({
      address: `0x${index.toString(16).padStart(40, "0")}`,
      category: "scam",
    }));
    const answer = await app.send("/api/v1/lists/errors-deny/labels/import", {
      method: "POST",
      body: { labels },
    });
    expect(answer.status).toBe(400);
    const page = (await app.send("/api/v1/labels?listId=errors-deny")).json as { labels: unknown[] };
    expect(page.labels).toEqual([]);
  });

  it("refuses bad label queries with 400", async () => {
    for (const query of [
      "limit=0",
      "limit=1001",
      "limit=x",
      "listId=UPPER",
      "address=0x12",
      "cursor=garbage",
      "chainId=0",
      "other=1",
    ]) {
      const answer = await app.send(`/api/v1/labels?${query}`);
      expect(answer.status, query).toBe(400);
      expect((answer.json as ErrorAnswer).code, query).toBe("VALIDATION_ERROR");
    }
  });

  it("refuses a bad address or chain id on the screen with 400", async () => {
    for (const path of [
      "/api/v1/addresses/0x12",
      `/api/v1/addresses/${ADDRESS}00`,
      "/api/v1/addresses/not-an-address",
      `/api/v1/addresses/${ADDRESS}?chainId=-1`,
      `/api/v1/addresses/${ADDRESS}?limit=5`,
    ]) {
      const answer = await app.send(path);
      expect(answer.status, path).toBe(400);
      expect((answer.json as ErrorAnswer).code, path).toBe("VALIDATION_ERROR");
    }
  });

  it("answers 400 for a malformed label id and 404 for unknown labels and lists", async () => {
    for (const id of ["abc", "0", "-1", "99999999999999999999"]) {
      expect((await app.send(`/api/v1/labels/${id}`, { method: "DELETE" })).status, id).toBe(400);
    }
    const label = await app.send("/api/v1/labels/987654", { method: "DELETE" });
    expect(label.status).toBe(404);
    expect((label.json as ErrorAnswer).code).toBe("NOT_FOUND");
    const list = await app.send("/api/v1/lists/no-such-list", { method: "DELETE" });
    expect(list.status).toBe(404);
    expect((list.json as ErrorAnswer).code).toBe("NOT_FOUND");
    expect((await app.send("/api/v1/lists/BAD", { method: "DELETE" })).status).toBe(400);
  });
});
