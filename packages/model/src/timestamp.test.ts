import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  MAX_TIMESTAMP_SECONDS,
  parseIsoDateTime,
  parseTimestamp,
  timestampInputMessage,
} from "./timestamp.ts";

const seconds = (text: string) => {
  const parsed = parseIsoDateTime(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.seconds;
};
const refusal = (raw: number | string, numbers: "decimal" | "hex" = "decimal") => {
  const parsed = parseTimestamp(raw, numbers);
  if (parsed.ok) throw new Error(`expected ${raw} to be refused, got ${parsed.value}`);
  return parsed.message;
};

describe("parseIsoDateTime", () => {
  it.each([
    ["2024-05-01T12:00:00Z", 1_714_564_800],
    ["2024-05-01T14:00:00+02:00", 1_714_564_800],
    ["2024-05-01T06:30:00-05:30", 1_714_564_800],
    ["2024-05-01T12:00:00.999Z", 1_714_564_800],
    ["2024-05-01T12:00:00.123456789+00:00", 1_714_564_800],
    ["2024-02-29T00:00:00Z", 1_709_164_800],
    ["2000-02-29T23:59:59Z", 951_868_799],
    ["1999-12-31T23:59:59-05:30", 946_704_599],
    ["1970-01-01T00:00:00Z", 0],
    ["1970-01-01T00:00:00.5+01:00", -3_600],
  ])("reads %s as %i", (text, expected) => {
    expect(seconds(text)).toBe(expected);
  });

  it.each([
    ["2024-05-01T12:00:00", /no time zone.*ambiguous/],
    ["2024-05-01T12:00:00.5", /no time zone/],
    ["2024-02-30T00:00:00Z", /2024-02-30 is not a date/],
    ["2023-02-29T00:00:00Z", /2023-02-29 is not a date/],
    ["1900-02-29T00:00:00Z", /1900-02-29 is not a date/],
    ["2024-04-31T00:00:00Z", /2024-04-31 is not a date/],
    ["2024-13-01T00:00:00Z", /2024-13-01 is not a date/],
    ["2024-05-00T00:00:00Z", /2024-05-00 is not a date/],
    ["2024-05-01T24:00:00Z", /24:00:00 is not a time of day/],
    ["2024-05-01T12:00:60Z", /12:00:60 is not a time of day/],
    ["2024-05-01T12:00:00+24:00", /\+24:00 is not a UTC offset/],
    ["2024-05-01T12:00Z", /seconds are required/],
    ["2024-05-01 12:00:00Z", /separated by an upper-case T/],
    ["2024-05-01t12:00:00Z", /separated by an upper-case T/],
    ["2024-05-01T12:00:00+0200", /time zone must be Z or an offset/],
    ["2024-05-01T12:00:00+02", /time zone must be Z or an offset/],
    ["2024-05-01T12:00:00z", /time zone must be Z or an offset/],
    ["2024-05-01T12:00:00 UTC", /time zone must be Z or an offset/],
    ["2024-05-01", /not an ISO-8601 date-time/],
    ["yesterday", /not an ISO-8601 date-time/],
    ["", /not an ISO-8601 date-time/],
  ])("refuses %j", (text, message) => {
    const parsed = parseIsoDateTime(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(message);
  });

  it("accepts exactly the strings the schema's z.iso.datetime({ offset: true }) accepts", () => {
    const schema = z.iso.datetime({ offset: true });
    const samples = [
      "2024-05-01T12:00:00Z",
      "2024-05-01T14:00:00+02:00",
      "2024-05-01T06:30:00-05:30",
      "2024-05-01T12:00:00.1Z",
      "2024-05-01T12:00:00.123456789-00:00",
      "2024-02-29T00:00:00Z",
      "2000-02-29T00:00:00Z",
      "0000-01-01T00:00:00Z",
      "9999-12-31T23:59:59+23:59",
      "2024-05-01T12:00:00",
      "2024-02-30T00:00:00Z",
      "2023-02-29T00:00:00Z",
      "1900-02-29T00:00:00Z",
      "2024-04-31T00:00:00Z",
      "2024-05-01T24:00:00Z",
      "2024-05-01T12:60:00Z",
      "2024-05-01T12:00:60Z",
      "2024-05-01T12:00:00+24:00",
      "2024-05-01T12:00:00+02:60",
      "2024-05-01T12:00Z",
      "2024-05-01 12:00:00Z",
      "2024-05-01t12:00:00z",
      "2024-05-01T12:00:00+0200",
      "2024-05-01T12:00:00.Z",
      "24-05-01T12:00:00Z",
      "2024-5-1T12:00:00Z",
    ];
    for (const sample of samples) {
      expect([sample, parseIsoDateTime(sample).ok]).toEqual([sample, schema.safeParse(sample).success]);
    }
  });
});

describe("parseTimestamp", () => {
  it("takes unix seconds as a number, a digit string or a hex quantity, and ISO-8601 in either shape", () => {
    expect(parseTimestamp(1_714_564_800, "decimal")).toEqual({ ok: true, value: 1_714_564_800 });
    expect(parseTimestamp("1714564800", "decimal")).toEqual({ ok: true, value: 1_714_564_800 });
    expect(parseTimestamp("0x66322ec0", "hex")).toEqual({ ok: true, value: 1_714_564_800 });
    expect(parseTimestamp("2024-05-01T14:00:00+02:00", "decimal")).toEqual({
      ok: true,
      value: 1_714_564_800,
    });
    expect(parseTimestamp("2024-05-01T14:00:00+02:00", "hex")).toEqual({ ok: true, value: 1_714_564_800 });
    expect(parseTimestamp(0, "decimal")).toEqual({ ok: true, value: 0 });
  });

  it("accepts up to 99999999999 seconds (5138-11-16T09:46:39Z) and refuses milliseconds above it", () => {
    expect(MAX_TIMESTAMP_SECONDS).toBe(99_999_999_999);
    expect(parseTimestamp(99_999_999_999, "decimal")).toEqual({ ok: true, value: 99_999_999_999 });
    expect(parseTimestamp("0x174876e7ff", "hex")).toEqual({ ok: true, value: 99_999_999_999 });
    expect(parseTimestamp("5138-11-16T09:46:39Z", "decimal")).toEqual({ ok: true, value: 99_999_999_999 });
    expect(refusal(1_714_564_800_000)).toBe(
      "1714564800000 is too large for unix seconds (at most 99999999999, 5138-11-16T09:46:39Z); milliseconds are not accepted, send seconds",
    );
    expect(refusal(100_000_000_000)).toMatch(/milliseconds are not accepted/);
    expect(refusal("1714564800000")).toMatch(/^"1714564800000" is too large for unix seconds/);
    expect(refusal("0x174876e800", "hex")).toMatch(/^"0x174876e800" is too large for unix seconds/);
    expect(refusal("5138-11-16T09:46:40Z")).toBe(
      'after 5138-11-16T09:46:39Z, the latest timestamp accepted: "5138-11-16T09:46:40Z"',
    );
  });

  it("refuses date-times before 1970, including years a Date would read as 19xx", () => {
    expect(parseTimestamp("1970-01-01T01:00:00+01:00", "decimal")).toEqual({ ok: true, value: 0 });
    expect(refusal("1970-01-01T00:59:59+01:00")).toBe(
      'before 1970-01-01T00:00:00Z (unix seconds cannot be negative): "1970-01-01T00:59:59+01:00"',
    );
    expect(refusal("1969-12-31T23:59:59Z")).toMatch(/^before 1970/);
    expect(refusal("0080-01-01T00:00:00Z")).toMatch(/^before 1970/);
  });

  it("refuses fractional and negative numbers, which the schema also refuses", () => {
    expect(refusal(1_714_564_800.5)).toBe("must be whole unix seconds, a non-negative integer: 1714564800.5");
    expect(refusal(-1)).toMatch(/non-negative integer/);
  });
});

describe("timestampInputMessage", () => {
  it("says what is wrong with an ISO-looking string, and what is expected otherwise", () => {
    expect(timestampInputMessage("2024-05-01T12:00:00", "decimal")).toBe(
      'no time zone, so the instant is ambiguous; add Z (UTC) or an offset such as +02:00: "2024-05-01T12:00:00"',
    );
    expect(timestampInputMessage("2024-02-30T00:00:00Z", "hex")).toBe(
      '2024-02-30 is not a date: "2024-02-30T00:00:00Z"',
    );
    expect(timestampInputMessage("soon", "decimal")).toBe(
      "must be unix seconds as a non-negative integer (number or digit string), or an ISO-8601 date-time with Z or an offset, such as 2024-05-01T12:00:00Z",
    );
    expect(timestampInputMessage(1.5, "hex")).toBe(
      "must be unix seconds as a hex quantity (0x…), or an ISO-8601 date-time with Z or an offset, such as 2024-05-01T12:00:00Z",
    );
  });
});
