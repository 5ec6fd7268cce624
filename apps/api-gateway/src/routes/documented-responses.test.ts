import { type ChainwatchClient, createChainwatchClient } from "@chainwatch/client";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anomalousTransaction } from "../testing/persistence-suite.ts";
import { simpleTransaction, startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

interface Document {
  paths: Record<string, Record<string, { responses: Record<string, DocumentedResponse> }>>;
  components: Record<string, unknown>;
}
interface DocumentedResponse {
  content?: Record<string, { schema: Record<string, unknown> }>;
}

/** What an openapi-fetch call resolves to. */
interface Answer {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/**
 * Real requests, made with @chainwatch/client, against a gateway in embedded mode; every answer's body is
 * validated against the JSON Schema that the gateway's own /openapi.json documents for that operation and
 * status (a JSON Schema 2020-12 validator, so what is checked is the document clients are generated from,
 * not the zod schemas it was derived from).
 */
describe("documented responses: real answers match /openapi.json", () => {
  let app: TestGateway;
  let admin: ChainwatchClient;
  let document: Document;
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const validators = new Map<string, ValidateFunction>();

  /** The validator of one documented JSON answer; its `#/components/...` references resolve in `document`. */
  const validatorFor = (method: string, path: string, status: number) => {
    const key = `${method} ${path} ${status}`;
    let validate = validators.get(key);
    if (!validate) {
      const documented = document.paths[path]?.[method]?.responses[String(status)];
      const schema = documented?.content?.["application/json"]?.schema;
      if (!schema) throw new Error(`${key} is not documented as a JSON answer`);
      validate = ajv.compile({ ...schema, components: document.components });
      validators.set(key, validate);
    }
    return validate;
  };

  /** Asserts the status, then that the body (data or error) is valid against the documented schema. */
  const expectDocumented = (method: string, path: string, answer: Answer, status: number) => {
    expect(answer.response.status, `${method} ${path}: ${JSON.stringify(answer.error)}`).toBe(status);
    const body = answer.response.ok ? answer.data : answer.error;
    const validate = validatorFor(method, path, status);
    expect(validate(body), `${method} ${path} ${status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    return body;
  };

  beforeAll(async () => {
    app = await startTestGateway();
    admin = createChainwatchClient({ baseUrl: app.url, apiKey: app.adminKey });
    const served = await admin.GET("/openapi.json");
    document = served.data as unknown as Document;
  });
  afterAll(() => app.stop());

  it("validates: a body that breaks the documented shape is caught", () => {
    const validate = validatorFor("post", "/api/v1/predict", 200);
    expect(validate({ hash: "0x1", isAnomaly: "no" })).toBe(false);
  });

  it("probes and this document", async () => {
    expectDocumented("get", "/health/live", await admin.GET("/health/live"), 200);
    expectDocumented("get", "/health/ready", await admin.GET("/health/ready"), 200);
    expectDocumented("get", "/health", await admin.GET("/health"), 200);
    expectDocumented("get", "/openapi.json", await admin.GET("/openapi.json"), 200);
  });

  it("scoring: one transaction, a batch with an invalid item, and a verdict-only batch", async () => {
    const one = await admin.POST("/api/v1/predict", { body: simpleTransaction(7_001) });
    expectDocumented("post", "/api/v1/predict", one, 200);
    const transactions = [simpleTransaction(7_001), anomalousTransaction(7_002), { hash: "0x12" }];
    const batch = await admin.POST("/api/v1/batch/predict", { body: { transactions } });
    expect(expectDocumented("post", "/api/v1/batch/predict", batch, 200)).toMatchObject({ totalErrors: 1 });
    const verdicts = await admin.POST("/api/v1/batch/predict", {
      body: { transactions },
      params: { query: { explanations: "false" } },
    });
    expectDocumented("post", "/api/v1/batch/predict", verdicts, 200);
    const invalid = await admin.POST("/api/v1/predict", { body: { hash: "0x12" } as never });
    expectDocumented("post", "/api/v1/predict", invalid, 400);
  });

  it("ingest, then the stored transaction, a lookup and the anomaly pages", async () => {
    const flagged = anomalousTransaction(7_100);
    const single = await admin.POST("/api/v1/transactions", { body: flagged });
    expectDocumented("post", "/api/v1/transactions", single, 202);
    const batch = await admin.POST("/api/v1/batch/transactions", {
      body: { transactions: [anomalousTransaction(7_101), simpleTransaction(7_102), { hash: "0x12" }] },
    });
    expect(expectDocumented("post", "/api/v1/batch/transactions", batch, 202)).toMatchObject({
      mode: "embedded",
      rejected: [{ index: 2 }],
    });
    expectDocumented("get", "/api/v1/stream/status", await admin.GET("/api/v1/stream/status"), 200);

    // Embedded mode stores before answering: the transaction and its anomaly are there now.
    const stored = await admin.GET("/api/v1/transactions/{hash}", {
      params: { path: { hash: flagged.hash } },
    });
    expect(expectDocumented("get", "/api/v1/transactions/{hash}", stored, 200)).toMatchObject({
      hash: flagged.hash,
      latestPrediction: { isAnomaly: true },
    });
    const missing = await admin.GET("/api/v1/transactions/{hash}", {
      params: { path: { hash: `0x${"e".repeat(64)}` } },
    });
    expectDocumented("get", "/api/v1/transactions/{hash}", missing, 404);
    const lookup = await admin.POST("/api/v1/batch/transactions/lookup", {
      body: { hashes: [flagged.hash, `0x${"e".repeat(64)}`] },
    });
    expect(expectDocumented("post", "/api/v1/batch/transactions/lookup", lookup, 200)).toMatchObject({
      totalRequested: 2,
      totalFound: 1,
    });

    const page = await admin.GET("/api/v1/anomalies", { params: { query: { limit: 2 } } });
    const body = expectDocumented("get", "/api/v1/anomalies", page, 200) as { items: { id: string }[] };
    expect(body.items.length).toBeGreaterThan(0);
    const recent = await admin.GET("/api/v1/batch/anomalies/recent", { params: { query: { limit: 1 } } });
    expectDocumented("get", "/api/v1/batch/anomalies/recent", recent, 200);
    expectDocumented("get", "/api/v1/anomalies/stats", await admin.GET("/api/v1/anomalies/stats"), 200);
    const review = await admin.POST("/api/v1/anomalies/{id}/review", {
      params: { path: { id: body.items[0]?.id ?? "" } },
      body: { falsePositive: true, note: "test" },
    });
    expectDocumented("post", "/api/v1/anomalies/{id}/review", review, 200);
  });

  it("models, cache warming and the audit trail", async () => {
    const models = await admin.GET("/api/v1/models");
    const list = expectDocumented("get", "/api/v1/models", models, 200) as {
      versions: { version: string }[];
    };
    const version = list.versions[0]?.version ?? "";
    const one = await admin.GET("/api/v1/models/{version}", { params: { path: { version } } });
    expectDocumented("get", "/api/v1/models/{version}", one, 200);
    expectDocumented("get", "/api/v1/models/drift", await admin.GET("/api/v1/models/drift"), 200);

    const warm = await admin.POST("/api/v1/batch/cache/warm", { body: { numRecent: 10 } });
    const job = expectDocumented("post", "/api/v1/batch/cache/warm", warm, 202) as { jobId: string };
    const progress = await admin.GET("/api/v1/batch/cache/warm/{id}", {
      params: { path: { id: job.jobId } },
    });
    expectDocumented("get", "/api/v1/batch/cache/warm/{id}", progress, 200);

    expectDocumented("get", "/api/v1/audit-logs", await admin.GET("/api/v1/audit-logs"), 200);
    expectDocumented("get", "/api/v1/audit-logs/stats", await admin.GET("/api/v1/audit-logs/stats"), 200);
  });

  it("auth: keys, users, a session and who is calling, with a key and with a bearer token", async () => {
    expectDocumented("get", "/api/v1/auth/me", await admin.GET("/api/v1/auth/me"), 200);
    const created = await admin.POST("/api/v1/auth/keys", { body: { name: "documented", role: "viewer" } });
    const key = expectDocumented("post", "/api/v1/auth/keys", created, 201) as { key: string; id: string };
    expectDocumented("get", "/api/v1/auth/keys", await admin.GET("/api/v1/auth/keys"), 200);
    const viewer = createChainwatchClient({ baseUrl: app.url, apiKey: key.key });
    expectDocumented("get", "/api/v1/auth/me", await viewer.GET("/api/v1/auth/me"), 200);
    expectDocumented(
      "post",
      "/api/v1/predict",
      await viewer.POST("/api/v1/predict", { body: simpleTransaction(1) }),
      403,
    );
    const revoked = await admin.DELETE("/api/v1/auth/keys/{id}", { params: { path: { id: key.id } } });
    expectDocumented("delete", "/api/v1/auth/keys/{id}", revoked, 200);

    const credentials = { email: "documented@example.com", password: "correct horse battery staple" };
    const registered = await admin.POST("/api/v1/auth/register", {
      body: { ...credentials, role: "analyst" },
    });
    expectDocumented("post", "/api/v1/auth/register", registered, 201);
    expectDocumented("get", "/api/v1/users", await admin.GET("/api/v1/users"), 200);
    const anonymous = createChainwatchClient({ baseUrl: app.url });
    const login = await anonymous.POST("/api/v1/auth/login", { body: credentials });
    const session = expectDocumented("post", "/api/v1/auth/login", login, 200) as {
      accessToken: string;
      refreshToken: string;
    };
    const user = createChainwatchClient({ baseUrl: app.url, accessToken: session.accessToken });
    const me = expectDocumented("get", "/api/v1/auth/me", await user.GET("/api/v1/auth/me"), 200);
    expect(me).toMatchObject({ type: "user", role: "analyst", name: credentials.email });
    const refreshed = await anonymous.POST("/api/v1/auth/refresh", {
      body: { refreshToken: session.refreshToken },
    });
    expectDocumented("post", "/api/v1/auth/refresh", refreshed, 200);
    expectDocumented("get", "/api/v1/auth/me", await anonymous.GET("/api/v1/auth/me"), 401);
  });
});
