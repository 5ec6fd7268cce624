import { type ParseResult, parseDecimalUnits, parseHexQuantity } from "./units.ts";

/*
 * Block timestamps, normalised to unix seconds. Callers send unix seconds (a number or a digit string in
 * the simple shape, a hex quantity in the JSON-RPC shape) or an ISO-8601 date-time with a time zone:
 * `2024-05-01T12:00:00Z`, `2024-05-01T14:00:00+02:00`, fractions of a second allowed and dropped (floor).
 *
 * Refused, each with its own message: a date-time without a zone (local to whom?), an impossible date or
 * time (2024-02-30, 24:00:00, leap second 60), anything before 1970-01-01T00:00:00Z, and anything after
 * MAX_TIMESTAMP_SECONDS. That bound is why a millisecond count is refused rather than read as a date ~50 000
 * years ahead: every millisecond timestamp since 1973-03-03 is above it, and no block time is anywhere near
 * it (1.7e9 in 2024).
 */

/** 10^11 − 1 seconds, 5138-11-16T09:46:39Z: the latest timestamp accepted (see above). */
export const MAX_TIMESTAMP_SECONDS = 99_999_999_999;
const MAX_TIMESTAMP_ISO = "5138-11-16T09:46:39Z";

export type TimestampResult = { ok: true; value: number } | { ok: false; message: string };

/**
 * The same syntax z.iso.datetime({ offset: true }) accepts (the schema and this parser are tested against
 * each other): date, `T`, time with seconds, optional fraction, `Z` or ±HH:MM. Looser here (any separator,
 * optional seconds, any zone text) only so the refusal can say what is wrong.
 */
const DATE_TIME_LIKE = /^(\d{4})-(\d{2})-(\d{2})([Tt ])(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(.*)$/;
const ZONE = /^(?:Z|([+-])(\d{2}):(\d{2}))$/;

const isLeapYear = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil; no Date, whose
 * two-digit years mean 19xx). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Seconds since the epoch (negative before 1970, not range-checked) of an ISO-8601 date-time with a zone. */
export function parseIsoDateTime(
  text: string,
): { ok: true; seconds: number } | { ok: false; message: string } {
  const match = DATE_TIME_LIKE.exec(text);
  if (match === null) {
    return { ok: false, message: `not an ISO-8601 date-time such as 2024-05-01T12:00:00Z: ${show(text)}` };
  }
  const [, year, month, day, separator, hour, minute, second, zone = ""] = match;
  const fail = (message: string) => ({ ok: false as const, message: `${message}: ${show(text)}` });
  if (separator !== "T") return fail("date and time must be separated by an upper-case T");
  if (second === undefined) return fail("seconds are required (hh:mm:ss)");
  if (zone === "") {
    return fail("no time zone, so the instant is ambiguous; add Z (UTC) or an offset such as +02:00");
  }
  const offset = ZONE.exec(zone);
  if (offset === null) return fail("the time zone must be Z or an offset ±hh:mm");
  const [y, mo, d, h, mi, s] = [year, month, day, hour, minute, second].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = mo === 2 && isLeapYear(y) ? 29 : DAYS_IN_MONTH[mo - 1];
  if (daysInMonth === undefined || d < 1 || d > daysInMonth) {
    return fail(`${year}-${month}-${day} is not a date`);
  }
  if (h > 23 || mi > 59 || s > 59) return fail(`${hour}:${minute}:${second} is not a time of day`);
  const [, sign, offsetHours = "0", offsetMinutes = "0"] = offset;
  if (Number(offsetHours) > 23 || Number(offsetMinutes) > 59) return fail(`${zone} is not a UTC offset`);
  const offsetSeconds = (sign === "-" ? -1 : 1) * (Number(offsetHours) * 3_600 + Number(offsetMinutes) * 60);
  // The fraction is dropped: whole seconds plus a fraction in [0, 1) floor to the whole seconds.
  return { ok: true, seconds: daysFromCivil(y, mo, d) * 86_400 + h * 3_600 + mi * 60 + s - offsetSeconds };
}

/**
 * A timestamp field as unix seconds: a number or digit string (simple shape) or a hex quantity (JSON-RPC
 * shape), or an ISO-8601 date-time in either. The schema has checked the syntax; this checks the range.
 */
export function parseTimestamp(raw: number | string, numbers: "decimal" | "hex"): TimestampResult {
  if (typeof raw === "string" && (numbers === "hex" ? raw.startsWith("0x") : /^\d+$/.test(raw))) {
    return inRange(numbers === "hex" ? parseHexQuantity(raw) : parseDecimalUnits(raw, 0), raw);
  }
  if (typeof raw === "number") {
    return Number.isSafeInteger(raw) && raw >= 0
      ? inRange({ ok: true, value: BigInt(raw) }, raw)
      : { ok: false, message: `must be whole unix seconds, a non-negative integer: ${raw}` };
  }
  const parsed = parseIsoDateTime(raw);
  if (!parsed.ok) return parsed;
  if (parsed.seconds < 0) {
    return {
      ok: false,
      message: `before 1970-01-01T00:00:00Z (unix seconds cannot be negative): ${show(raw)}`,
    };
  }
  if (parsed.seconds > MAX_TIMESTAMP_SECONDS) {
    return { ok: false, message: `after ${MAX_TIMESTAMP_ISO}, the latest timestamp accepted: ${show(raw)}` };
  }
  return { ok: true, value: parsed.seconds };
}

function inRange(parsed: ParseResult, raw: number | string): TimestampResult {
  if (!parsed.ok) return parsed;
  if (parsed.value > BigInt(MAX_TIMESTAMP_SECONDS)) {
    return {
      ok: false,
      message: `${show(raw)} is too large for unix seconds (at most ${MAX_TIMESTAMP_SECONDS}, ${MAX_TIMESTAMP_ISO}); milliseconds are not accepted, send seconds`,
    };
  }
  return { ok: true, value: Number(parsed.value) };
}

/**
 * The message for a timestamp the schema refuses, from what was sent: why an ISO-looking string is not a
 * valid date-time, else what is expected. Used as the error of the schema's timestamp unions, which zod
 * would otherwise report as one "Invalid input" per branch.
 */
export function timestampInputMessage(input: unknown, numbers: "decimal" | "hex"): string {
  if (typeof input === "string" && DATE_TIME_LIKE.test(input)) {
    const parsed = parseIsoDateTime(input);
    if (!parsed.ok) return parsed.message;
  }
  const seconds =
    numbers === "hex" ? "a hex quantity (0x…)" : "a non-negative integer (number or digit string)";
  return `must be unix seconds as ${seconds}, or an ISO-8601 date-time with Z or an offset, such as 2024-05-01T12:00:00Z`;
}

function show(raw: number | string): string {
  const text = typeof raw === "number" ? String(raw) : JSON.stringify(raw);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
