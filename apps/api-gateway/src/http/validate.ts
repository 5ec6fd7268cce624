import type { z } from "zod";
import { validationError } from "./errors.ts";

/** Parses a request part with a zod schema; a failure is a 400 listing every offending field. */
export function parseOrThrow<TSchema extends z.ZodType>(
  schema: TSchema,
  value: unknown,
  what: string,
): z.infer<TSchema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(root)",
    message: issue.message,
  }));
  throw validationError(`invalid ${what}`, issues);
}

/** A JSON body is required; without one (no body, or not JSON) express leaves `req.body` undefined. */
export function requireJsonBody(body: unknown): unknown {
  if (body === undefined) {
    throw validationError("request body must be JSON (Content-Type: application/json)", [
      { path: "(root)", message: "missing JSON body" },
    ]);
  }
  return body;
}
