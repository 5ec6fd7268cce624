import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

interface Operation {
  operationId?: string;
  security?: unknown[];
  parameters?: { name: string; in: string; required: boolean }[];
  requestBody?: { content: { "application/json": { schema: { $ref?: string } } } };
  responses: Record<string, unknown>;
}

describe("OpenAPI document", () => {
  let app: TestGateway;
  let document: {
    servers?: unknown[];
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, unknown> };
    security: unknown;
  };
  beforeAll(async () => {
    app = await startTestGateway({ BATCH_MAX_ITEMS: "1000" });
    document = (await app.send("/openapi.json", { anonymous: true })).json as typeof document;
  });
  afterAll(() => app.stop());

  const operation = (path: string, method: string) => document.paths[path]?.[method] as Operation;
  const allOperations = () =>
    Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, described]) => ({ path, method, described })),
    );

  it("gives every operation a unique operationId and declares every path parameter", () => {
    const ids = allOperations().map(({ described }) => described.operationId);
    expect(ids.every((id) => typeof id === "string" && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, method, described } of allOperations()) {
      const declared = (described.parameters ?? []).filter((parameter) => parameter.in === "path");
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      expect(
        declared.map((parameter) => parameter.name),
        `${method} ${path}`,
      ).toEqual(templated);
      expect(declared.every((parameter) => parameter.required)).toBe(true);
    }
    expect(document.servers).toEqual([{ url: "/", description: "this gateway" }]);
  });

  it("describes request bodies from the zod schemas, with their limits, as resolvable components", () => {
    const reference = operation("/api/v1/batch/predict", "post").requestBody?.content["application/json"]
      .schema.$ref;
    expect(reference).toBe("#/components/schemas/BatchPredictRequest");
    const schemas = document.components.schemas as Record<
      string,
      { properties: { transactions: { maxItems: number } } }
    >;
    expect(schemas.BatchPredictRequest?.properties.transactions.maxItems).toBe(1_000);
    for (const ref of JSON.stringify(document).match(/"#\/[^"]+"/g) ?? []) {
      expect(ref).toMatch(/^"#\/components\/schemas\/[A-Za-z]+"$/);
      expect(schemas[ref.slice('"#/components/schemas/'.length, -1)], ref).toBeDefined();
    }
    expect(operation("/api/v1/anomalies", "get").parameters?.map((parameter) => parameter.name)).toEqual(
      expect.arrayContaining(["limit", "severity", "since", "cursor"]),
    );
  });

  it("marks probes and login public and everything else as needing a credential", () => {
    expect(operation("/health/live", "get").security).toEqual([]);
    expect(operation("/api/v1/auth/login", "post").security).toEqual([]);
    expect(operation("/api/v1/predict", "post").security).toBeUndefined();
    expect(Object.keys(operation("/api/v1/predict", "post").responses)).toEqual(
      expect.arrayContaining(["200", "401", "403"]),
    );
    expect(document.security).toEqual([{ apiKey: [] }, { bearer: [] }]);
  });
});
