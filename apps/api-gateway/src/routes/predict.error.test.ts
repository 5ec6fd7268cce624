import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simpleTransaction, startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

interface ErrorBody {
  code: string;
  message: string;
  requestId: string;
  details?: { issues?: { path: string; message: string }[] };
}

describe("predict routes: bad input", () => {
  let app: TestGateway;
  beforeAll(async () => {
    app = await startTestGateway();
  });
  afterAll(() => app.stop());

  const expectError = (response: Awaited<ReturnType<TestGateway["send"]>>, status: number, code: string) => {
    expect(response.status).toBe(status);
    const body = response.json as ErrorBody;
    expect(body.code).toBe(code);
    expect(body.message).toMatch(/\S/);
    expect(body.requestId).toBe(response.headers["x-request-id"]);
    expect(response.text).not.toMatch(/at .*\.ts:\d+/); // never a stack trace
    return body;
  };

  it("answers malformed JSON with 400 MALFORMED_JSON", async () => {
    const response = await app.send("/api/v1/predict", { method: "POST", body: '{"hash": "0x', headers: {} });
    expectError(response, 400, "MALFORMED_JSON");
  });

  it("answers a missing or non-JSON body with 400", async () => {
    expectError(await app.send("/api/v1/predict", { method: "POST" }), 400, "VALIDATION_ERROR");
    const textBody = await app.send("/api/v1/predict", {
      method: "POST",
      body: "hello",
      headers: { "content-type": "text/plain" },
    });
    expectError(textBody, 415, "UNSUPPORTED_MEDIA_TYPE");
  });

  it.each([
    ["wrong types", { hash: 42, value: "lots", gas: {}, gasPrice: [] }, ["hash", "value"]],
    ["negative value", simpleTransaction(1, { value: -1 }), ["value"]],
    ["NaN string", simpleTransaction(1, { gasPrice: "NaN" }), ["gasPrice"]],
    ["Infinity string", simpleTransaction(1, { gas: "Infinity" }), ["gas"]],
    ["bad hash", simpleTransaction(1, { hash: "0x1234" }), ["hash"]],
    ["missing fields", { hash: `0x${"a".repeat(64)}` }, ["value"]],
  ])("answers %s with 400 VALIDATION_ERROR naming the fields", async (_name, body, fields) => {
    const response = await app.send("/api/v1/predict", { method: "POST", body });
    const error = expectError(response, 400, "VALIDATION_ERROR");
    const paths = (error.details?.issues ?? []).map((issue) => issue.path);
    for (const field of fields) expect(paths.some((path) => path.includes(field))).toBe(true);
  });

  it("rejects 0 and 1001 items, saying the limit", async () => {
    const empty = await app.send("/api/v1/batch/predict", { method: "POST", body: { transactions: [] } });
    expectError(empty, 400, "VALIDATION_ERROR");
    const tooMany = Array.from({ length: 1_001 }, (_, index) => simpleTransaction(index));
    const response = await app.send("/api/v1/batch/predict", {
      method: "POST",
      body: { transactions: tooMany },
    });
    const body = expectError(response, 400, "VALIDATION_ERROR");
    expect(JSON.stringify(body.details)).toContain("1000");
  });

  it("rejects unknown top-level fields in a batch request and a batch with no valid item", async () => {
    const extra = await app.send("/api/v1/batch/predict", {
      method: "POST",
      body: { transactions: [simpleTransaction(1)], priority: "high" },
    });
    expectError(extra, 400, "VALIDATION_ERROR");
    const allBad = await app.send("/api/v1/batch/predict", {
      method: "POST",
      body: { transactions: [{ hash: "x" }, { value: -1 }] },
    });
    const body = expectError(allBad, 400, "VALIDATION_ERROR");
    expect(body.details?.issues?.[0]?.path).toMatch(/^transactions\.0\./);
  });

  it("answers an 11 MiB body with 413 before reading it", async () => {
    const response = await app.send("/api/v1/batch/predict", {
      method: "POST",
      body: Buffer.alloc(11 * 1024 * 1024, 0x20),
    });
    expectError(response, 413, "PAYLOAD_TOO_LARGE");
  });

  it("answers unknown routes with 404 JSON and wrong methods with 405 JSON and Allow", async () => {
    expectError(await app.send("/api/v1/nothing-here"), 404, "NOT_FOUND");
    const wrongMethod = await app.send("/api/v1/predict");
    expectError(wrongMethod, 405, "METHOD_NOT_ALLOWED");
    expect(wrongMethod.headers.allow).toBe("POST");
  });

  it("echoes a sane incoming request id and replaces an unsafe one", async () => {
    const kept = await app.send("/api/v1/nothing", { headers: { "x-request-id": "abc-123" } });
    expect((kept.json as ErrorBody).requestId).toBe("abc-123");
    const replaced = await app.send("/api/v1/nothing", { headers: { "x-request-id": "bad id\twith tab" } });
    expect((replaced.json as ErrorBody).requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
