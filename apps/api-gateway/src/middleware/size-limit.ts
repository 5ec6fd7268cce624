import type { RequestHandler } from "express";
import { HttpError } from "../http/errors.ts";

/**
 * Rejects a declared oversized body from its Content-Length, before a byte of it is read. Chunked bodies
 * without a length are bounded by the JSON parser's own limit while streaming.
 */
export function sizeLimit(maxBytes: number): RequestHandler {
  return (req, _res, next) => {
    const declared = Number(req.get("content-length") ?? 0);
    if (declared > maxBytes) {
      // Closing the connection stops the client from streaming the rest of a body nobody will read.
      req.socket.setTimeout(5_000);
      next(
        new HttpError(413, "PAYLOAD_TOO_LARGE", `request body exceeds ${maxBytes} bytes`, {
          headers: { Connection: "close" },
        }),
      );
      return;
    }
    next();
  };
}
