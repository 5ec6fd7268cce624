import type { RequestHandler } from "express";
import { HttpError } from "../http/errors.ts";

/**
 * A request that carries a body must say it is JSON. Without this, a text or form body would be silently
 * ignored (the JSON parser skips it) and the route would run as if no body had been sent.
 */
export function requireJsonContentType(): RequestHandler {
  return (req, _res, next) => {
    const hasBody = Number(req.get("content-length") ?? 0) > 0 || req.get("transfer-encoding") !== undefined;
    // The type nearly every client sends, compared as is before the full media-type parse of `req.is`.
    const isPlainJson = req.headers["content-type"] === "application/json";
    if (hasBody && !isPlainJson && !req.is(["application/json", "application/*+json"])) {
      next(
        new HttpError(
          415,
          "UNSUPPORTED_MEDIA_TYPE",
          "send the body as JSON (Content-Type: application/json)",
        ),
      );
      return;
    }
    next();
  };
}
