import type { RequestHandler } from "express";
import { HttpError } from "../http/errors.ts";

/** Registered with `.all()` after a route's real methods: the path exists, the method does not. */
export function methodNotAllowed(allowed: readonly string[]): RequestHandler {
  const allow = allowed.join(", ");
  return (req, _res, next) => {
    next(
      new HttpError(405, "METHOD_NOT_ALLOWED", `${req.method} is not allowed here; use ${allow}`, {
        headers: { Allow: allow },
      }),
    );
  };
}
