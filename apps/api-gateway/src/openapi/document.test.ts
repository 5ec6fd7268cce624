import { describe, expect, it } from "vitest";
import { PROTECTED_ROUTES } from "../testing/security-helpers.ts";
import { buildOpenApiDocument } from "./document.ts";

describe("OpenAPI document", () => {
  const document = buildOpenApiDocument({ batchMaxItems: 1_000, version: "test" });
  const templates = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => ({
      method: method.toUpperCase(),
      pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, "[^/]+")}$`),
    })),
  );
  const operation = (path: string, method: string) =>
    (document.paths[path]?.[method] ?? {}) as {
      security?: unknown[];
      parameters?: { name: string }[];
      requestBody?: { content: { "application/json": { schema: { $ref?: string } } } };
    };

  it("documents every protected route", () => {
    const missing = PROTECTED_ROUTES.filter(
      (route) =>
        !templates.some((template) => template.method === route.method && template.pattern.test(route.path)),
    ).map((route) => `${route.method} ${route.path}`);
    expect(missing).toEqual([]);
  });

  it("lists every documented operation that needs a credential in the security suite's route table", () => {
    const unlisted = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods as Record<string, { security?: unknown[] }>)
        .filter(([, described]) => described.security === undefined || described.security.length > 0)
        .map(([method]) => ({
          name: `${method.toUpperCase()} ${path}`,
          method: method.toUpperCase(),
          pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, "[^/]+")}$`),
        }))
        .filter(
          (template) =>
            !PROTECTED_ROUTES.some(
              (route) => route.method === template.method && template.pattern.test(route.path),
            ),
        )
        .map((template) => template.name),
    );
    expect(unlisted).toEqual([]);
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
    expect(document.security).toEqual([{ apiKey: [] }, { bearer: [] }]);
  });
});
