import { z } from "zod";
import {
  type Endpoint,
  type NonJsonType,
  pathParameters,
  TAG_DESCRIPTIONS,
  type Tag,
} from "../http/endpoint.ts";
import { ErrorBodySchema } from "../http/schemas.ts";

/**
 * zod puts schemas that carry a `meta({ id })` under `$defs` with `#/$defs/...` references, which in an
 * OpenAPI document would resolve against the document root. Hoist them into `components.schemas` and point
 * the references there, so every named schema appears once and resolves.
 */
function createHoister(components: Record<string, unknown>) {
  const hoistDefinitions = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(hoistDefinitions);
    if (value === null || typeof value !== "object") return value;
    const result: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      if (key === "$schema") continue;
      if (key === "$defs") {
        for (const [name, definition] of Object.entries(child as Record<string, unknown>)) {
          components[name] = hoistDefinitions(definition);
        }
        continue;
      }
      result[key] =
        key === "$ref" && typeof child === "string"
          ? child.replace("#/$defs/", "#/components/schemas/")
          : hoistDefinitions(child);
    }
    return result;
  };
  return hoistDefinitions;
}

const errorDescriptions: Record<number, string> = {
  400: "Invalid input (VALIDATION_ERROR, MALFORMED_JSON)",
  401: "No valid credential (AUTHENTICATION_REQUIRED, INVALID_CREDENTIALS, CREDENTIALS_EXPIRED, CREDENTIALS_REVOKED)",
  403: "The credential's role may not do this (FORBIDDEN)",
  404: "Not found",
  409: "Conflict",
  415: "Body is not JSON",
  422: "Valid, but cannot be scored or stored (UNSCOREABLE)",
  405: "Method not allowed",
  413: "Body larger than MAX_REQUEST_SIZE",
  429: "Rate limited; see Retry-After",
  503: "A dependency is unavailable (DATABASE_UNAVAILABLE, KAFKA_UNAVAILABLE); retry later",
};

/** OpenAPI 3.1 derived from the endpoint definitions and the zod schemas that validate their requests. */
export function buildOpenApiDocument(endpoints: readonly Endpoint[], options: { version: string }) {
  const components: Record<string, unknown> = {};
  const hoistDefinitions = createHoister(components);
  const jsonSchema = (schema: z.ZodType, io: "input" | "output") =>
    hoistDefinitions(z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }));

  const paths: Record<string, Record<string, unknown>> = {};
  for (const endpoint of endpoints) {
    const isPublic = endpoint.access === "public";
    const status = endpoint.status ?? 200;
    const success = (code: number) => ({
      description: successDescriptions[code] ?? "OK",
      ...(endpoint.response
        ? { content: { "application/json": { schema: jsonSchema(endpoint.response, "output") } } }
        : endpoint.responseType
          ? { content: nonJsonContent(endpoint.responseType) }
          : {}),
    });
    const responses: Record<string, unknown> = { [status]: success(status) };
    for (const other of endpoint.otherSuccessStatuses ?? []) responses[other] = success(other);
    const errorStatuses = new Set([...(isPublic ? [] : [401, 403]), ...(endpoint.errors ?? [])]);
    for (const errorStatus of [...errorStatuses].sort()) {
      const body = endpoint.errorBodies?.[errorStatus] ?? ErrorBodySchema;
      responses[errorStatus] = {
        description: errorDescriptions[errorStatus] ?? "Error",
        content: { "application/json": { schema: jsonSchema(body, "output") } },
      };
    }
    const parameterSchemas = endpoint.params
      ? (jsonSchema(endpoint.params, "input") as { properties?: Record<string, unknown> }).properties
      : undefined;
    const parameters = [
      ...pathParameters(endpoint.path).map((name) => ({
        name,
        in: "path",
        required: true,
        schema: parameterSchemas?.[name] ?? { type: "string" },
      })),
      ...(endpoint.query ? queryParameters(endpoint.query, hoistDefinitions) : []),
    ];
    paths[endpoint.path] ??= {};
    const pathItem = paths[endpoint.path] ?? {};
    pathItem[endpoint.method] = {
      operationId: endpoint.operationId,
      summary: endpoint.summary,
      description: accessDescription(endpoint),
      tags: [endpoint.tag],
      ...(isPublic ? { security: [] } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(endpoint.request
        ? {
            requestBody: {
              required: true,
              content: { "application/json": { schema: jsonSchema(endpoint.request, "input") } },
            },
          }
        : {}),
      responses,
    };
  }

  const used = new Set(endpoints.map((endpoint) => endpoint.tag));
  const tags = Object.entries(TAG_DESCRIPTIONS)
    .filter(([name]) => used.has(name as Tag))
    .map(([name, description]) => ({ name, description }));
  return {
    openapi: "3.1.0",
    info: {
      title: "Chainwatch API",
      version: options.version,
      description:
        "Real-time anomaly scoring for Ethereum-style transactions. Every error body is { code, message, requestId }.",
      license: { name: "MIT", identifier: "MIT" },
    },
    servers: [{ url: "/", description: "this gateway" }],
    tags,
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        apiKey: { type: "apiKey", in: "header", name: "X-API-Key", description: "cw_ + 64 hex" },
        bearer: { type: "http", scheme: "bearer", description: "an access token (JWT) or an API key" },
      },
    },
    security: [{ apiKey: [] }, { bearer: [] }],
  };
}

const successDescriptions: Record<number, string> = {
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "No content",
};

function nonJsonContent(types: NonJsonType | readonly NonJsonType[]) {
  const list: readonly NonJsonType[] = typeof types === "string" ? [types] : types;
  return Object.fromEntries(
    list.map((type) => [
      type,
      { schema: type.startsWith("text/") ? { type: "string" } : { type: "string", contentMediaType: type } },
    ]),
  );
}

function accessDescription(endpoint: Endpoint): string {
  if (endpoint.access === "public") return "No credential needed.";
  if (endpoint.access === "authenticated") return "Any valid credential.";
  return `Needs the \`${endpoint.access}\` permission.`;
}

function queryParameters(schema: z.ZodObject, hoistDefinitions: (value: unknown) => unknown) {
  const raw = z.toJSONSchema(schema, { io: "input", unrepresentable: "any", target: "draft-2020-12" }) as {
    $ref?: string;
    $defs?: Record<string, unknown>;
  };
  // A named schema comes back as a reference to itself; parameters need its properties.
  const root = (raw.$ref ? raw.$defs?.[raw.$ref.replace("#/$defs/", "")] : raw) as {
    properties?: Record<string, unknown>;
    required?: string[];
  };
  return Object.entries(root.properties ?? {}).map(([name, parameterSchema]) => ({
    name,
    in: "query",
    required: root.required?.includes(name) ?? false,
    schema: hoistDefinitions(parameterSchema),
  }));
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;
