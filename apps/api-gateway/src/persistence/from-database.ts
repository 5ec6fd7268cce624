import { ChainwatchError } from "@chainwatch/service-kit";
import { HttpError } from "../http/errors.ts";

/**
 * Awaits a store call. A typed error the store raised on purpose (bad input, a registry conflict: any
 * ChainwatchError) keeps its own mapping, a data exception is bad input; anything else means the database could not answer, which is a
 * 503 (retry later), not a 500, and never shows the driver's message to the client.
 */
export async function fromDatabase<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof ChainwatchError) throw error;
    // SQLSTATE class 22 (data exception: a value out of range, an impossible date) is the caller's input
    // reaching the database unchecked: a 400, and not a 5xx that pages the on-call.
    if (/^22[0-9A-Z]{3}$/.test(String((error as { code?: unknown }).code)))
      throw new HttpError(400, "VALIDATION_ERROR", "a value in the request is out of range", {
        cause: error,
      });
    throw new HttpError(503, "DATABASE_UNAVAILABLE", "the database is unavailable; retry later", {
      cause: error,
      headers: { "Retry-After": "5" },
    });
  }
}
