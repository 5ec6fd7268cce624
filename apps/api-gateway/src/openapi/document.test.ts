import committedDocument from "@chainwatch/client/openapi.json" with { type: "json" };
import { createConfig, lintFromString } from "@redocly/openapi-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

/**
 * Warnings of the `recommended` lint rules that describe the API as it is, and stay: probes, metrics and
 * the docs never answer 4xx (operation-4xx-response), and a model version named `jobs` would collide with
 * `/api/v1/models/jobs/{id}` (no-ambiguous-paths; moving the training jobs would break clients). Anything
 * else, at any severity, fails the test.
 */
const ACCEPTED_WARNINGS: Record<string, readonly string[]> = {
  "operation-4xx-response": [
    "/health/live",
    "/health/ready",
    "/health",
    "/metrics",
    "/openapi.json",
    "/docs",
    "/console",
  ],
  "no-ambiguous-paths": ["/api/v1/models/{version}/deploy", "/api/v1/models/{version}/traffic"],
};

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

  it("passes the recommended OpenAPI lint rules: no error, and only the accepted warnings", async () => {
    const config = await createConfig({ extends: ["recommended"] });
    const problems = await lintFromString({
      source: JSON.stringify(document),
      absoluteRef: "openapi.json",
      config,
    });
    const described = problems.map((problem) => {
      const pointer = problem.location[0]?.pointer ?? "";
      const path = decodeURIComponent(pointer.split("/")[2] ?? "").replaceAll("~1", "/");
      return { severity: problem.severity, rule: problem.ruleId, path, message: problem.message };
    });
    expect(described.filter((problem) => problem.severity === "error")).toEqual([]);
    const unexpected = described.filter(
      (problem) => !ACCEPTED_WARNINGS[problem.rule]?.includes(problem.path),
    );
    expect(unexpected).toEqual([]);
    expect(described.length).toBe(Object.values(ACCEPTED_WARNINGS).flat().length);
  });

  it("documents the body of every success answer", () => {
    const undocumented = allOperations().filter(({ described }) => {
      const success = Object.entries(described.responses).find(([status]) => status.startsWith("2"));
      if (!success) return true;
      const [status, response] = success as [string, { content?: Record<string, { schema?: unknown }> }];
      if (status === "204") return response.content !== undefined;
      return Object.values(response.content ?? {}).every((media) => media.schema === undefined);
    });
    expect(undocumented.map(({ method, path }) => `${method} ${path}`)).toEqual([]);
    expect(operation("/api/v1/transactions/{hash}", "get").responses["200"]).toMatchObject({
      content: { "application/json": { schema: { $ref: "#/components/schemas/StoredTransaction" } } },
    });
  });

  it("matches the copy committed in @chainwatch/client, from which its types are generated", () => {
    const served = document as unknown as Record<string, Record<string, unknown>>;
    const committed = committedDocument as unknown as Record<string, Record<string, unknown>>;
    const differing = (section: string) =>
      [...new Set([...Object.keys(served[section] ?? {}), ...Object.keys(committed[section] ?? {})])]
        .filter((key) => JSON.stringify(served[section]?.[key]) !== JSON.stringify(committed[section]?.[key]))
        .map((key) => `${section} ${key}`);
    const changes = [...differing("paths"), ...differing("components"), ...differing("info")];
    expect(
      JSON.stringify(served) === JSON.stringify(committed),
      `packages/client/openapi.json differs from what the gateway serves (${changes.slice(0, 10).join(", ") || "order or top-level fields"}): run \`pnpm --filter @chainwatch/client generate\` and commit the result`,
    ).toBe(true);
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
