import type { Role } from "@chainwatch/store";
import type { TestGateway } from "./test-gateway.ts";

export const ROLES = ["viewer", "scorer", "analyst", "admin"] as const satisfies readonly Role[];

/** One operation as the running gateway documents it (the document is derived from the endpoint list). */
export interface ServedOperation {
  operationId: string;
  method: string;
  /** The OpenAPI template, e.g. `/api/v1/auth/keys/{id}`. */
  template: string;
  isPublic: boolean;
}

/** Every operation the gateway serves, read from its own `/openapi.json`. */
export async function servedOperations(app: TestGateway): Promise<ServedOperation[]> {
  const response = await app.send("/openapi.json", { anonymous: true });
  const document = response.json as {
    paths: Record<string, Record<string, { operationId: string; security?: unknown[] }>>;
  };
  return Object.entries(document.paths).flatMap(([template, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      operationId: operation.operationId,
      method: method.toUpperCase(),
      template,
      isPublic: operation.security?.length === 0,
    })),
  );
}

/** Path parameters that pass each route's own format checks, so a request reaches its handler's lookup. */
const SAMPLE_PARAMETERS: Record<string, string> = {
  hash: `0x${"ab".repeat(32)}`,
  id: "00000000-0000-0000-0000-000000000000",
  version: "if-000000000000",
  file: "docs-init.js",
  address: `0x${"ad".repeat(20)}`,
};

export const concretePath = (template: string) =>
  template.replace(/\{([A-Za-z]+)\}/g, (_match, name: string) => SAMPLE_PARAMETERS[name] ?? "sample");

/** Creates an API key with `role` through the admin API and returns it. */
export async function createKey(
  app: TestGateway,
  role: Role,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const response = await app.send("/api/v1/auth/keys", {
    method: "POST",
    body: { name: `test ${role}`, role, ...extra },
  });
  if (response.status !== 201) throw new Error(`key creation failed: ${response.status} ${response.text}`);
  return (response.json as { key: string }).key;
}
