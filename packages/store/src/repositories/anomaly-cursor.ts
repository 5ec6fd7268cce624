import { StoreValidationError } from "../store-errors.ts";

/**
 * The position after the last row of a page: its detected_at and id. `detectedAt` is PostgreSQL's own
 * microsecond text, not a JS Date, because a Date keeps milliseconds and a truncated bound would skip or
 * repeat rows that share a millisecond. Base64url keeps it opaque, so clients cannot build or edit one.
 */
export interface AnomalyCursor {
  detectedAt: string;
  id: string;
}

const VERSION = "1";
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const BIGSERIAL = /^[1-9]\d{0,18}$/;
const BASE64URL = /^[A-Za-z0-9_-]{1,200}$/;
const MAX_ID = 9_223_372_036_854_775_807n;

/**
 * Date.parse rolls 30 February over into March, while PostgreSQL refuses it; a cursor naming a day that
 * does not exist (or a year before 1970) is malformed, not a reason to ask the database.
 */
function isRealInstant(timestamp: string): boolean {
  const ms = Date.parse(timestamp);
  return ms >= 0 && new Date(ms).toISOString().slice(0, 19) === timestamp.slice(0, 19);
}

export function encodeAnomalyCursor(cursor: AnomalyCursor): string {
  return Buffer.from(`${VERSION}|${cursor.detectedAt}|${cursor.id}`, "utf8").toString("base64url");
}

export function decodeAnomalyCursor(encoded: string): AnomalyCursor {
  const invalid = () => new StoreValidationError("malformed cursor", { field: "cursor" });
  if (!BASE64URL.test(encoded)) throw invalid();
  const [version, detectedAt, id, ...rest] = Buffer.from(encoded, "base64url").toString("utf8").split("|");
  if (version !== VERSION || rest.length > 0 || detectedAt === undefined || id === undefined) throw invalid();
  if (!TIMESTAMP.test(detectedAt) || !isRealInstant(detectedAt)) throw invalid();
  if (!BIGSERIAL.test(id) || BigInt(id) > MAX_ID) throw invalid();
  return { detectedAt, id };
}
