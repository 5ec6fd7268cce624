import { describe, expect, it } from "vitest";
import { formatWeiAsEth, MAX_UINT256, numberToUnits, parseDecimalUnits, parseHexQuantity } from "./units.ts";

const ok = (value: bigint) => ({ ok: true, value });

describe("parseDecimalUnits", () => {
  it("converts ETH decimal strings to wei exactly", () => {
    expect(parseDecimalUnits("1", 18)).toEqual(ok(10n ** 18n));
    expect(parseDecimalUnits("0.000000000000000001", 18)).toEqual(ok(1n));
    expect(parseDecimalUnits("123456789.123456789123456789", 18)).toEqual(ok(123456789123456789123456789n));
    expect(parseDecimalUnits(".5", 18)).toEqual(ok(5n * 10n ** 17n));
    expect(parseDecimalUnits("0", 18)).toEqual(ok(0n));
  });

  it("accepts exponents and trailing zero fractions as CSV float exports write them", () => {
    expect(parseDecimalUnits("1.8e+18", 0)).toEqual(ok(1_800_000_000_000_000_000n));
    expect(parseDecimalUnits("7500000000000000.0", 0)).toEqual(ok(7_500_000_000_000_000n));
    expect(parseDecimalUnits("1e-18", 18)).toEqual(ok(1n));
    expect(parseDecimalUnits("25E-1", 0)).toEqual({
      ok: false,
      message: expect.stringContaining("precision"),
    });
  });

  it("refuses digits below the smallest unit instead of truncating", () => {
    expect(parseDecimalUnits("1e-19", 18).ok).toBe(false);
    expect(parseDecimalUnits("0.0000000001", 9).ok).toBe(false);
    expect(parseDecimalUnits("1.50", 1)).toEqual(ok(15n));
  });

  it.each(["", " ", "-1", "abc", "1,5", "0x10", ".", "1e", "NaN", "Infinity", "1e99999"])(
    "rejects %j",
    (text) => {
      expect(parseDecimalUnits(text, 18).ok).toBe(false);
    },
  );
});

describe("numberToUnits", () => {
  it("uses the decimal the caller wrote, not the binary double", () => {
    // 0.1 as a double is 0.1000000000000000055…; the caller meant exactly 10^17 wei.
    expect(numberToUnits(0.1, 18)).toEqual(ok(10n ** 17n));
    expect(numberToUnits(1e-18, 18)).toEqual(ok(1n));
    expect(numberToUnits(1e21, 0)).toEqual(ok(10n ** 21n));
    expect(numberToUnits(20.5, 9)).toEqual(ok(20_500_000_000n));
  });

  it("gives numbers on the fast paths the same value (or refusal) as their decimal string", () => {
    const integers = [0, -0, 1, 21_000, 30_000_000, 2 ** 53 - 1, 2 ** 53, 1e21, 1e300];
    for (const value of integers) {
      for (const decimals of [0, 9, 18]) {
        expect(numberToUnits(value, decimals)).toEqual(parseDecimalUnits(String(value), decimals));
      }
    }
    const fractions = [0.1, 0.054901996, 24.692, 20.5, 123.456789012, 1e-7, 1.5e-10, 0.30000000000000004];
    for (const value of fractions) {
      for (const decimals of [0, 9, 18]) {
        expect(numberToUnits(value, decimals)).toEqual(parseDecimalUnits(String(value), decimals));
      }
    }
    expect(numberToUnits(21_000, 0)).toEqual(ok(21_000n));
    expect(numberToUnits(2, 18)).toEqual(ok(2n * 10n ** 18n));
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, -1, -0.000001])("rejects %d", (value) => {
    expect(numberToUnits(value, 18).ok).toBe(false);
  });
});

describe("parseHexQuantity", () => {
  it("parses JSON-RPC quantities", () => {
    expect(parseHexQuantity("0x0")).toEqual(ok(0n));
    expect(parseHexQuantity("0x1")).toEqual(ok(1n));
    expect(parseHexQuantity("0xDE0B6B3A7640000")).toEqual(ok(10n ** 18n));
    expect(parseHexQuantity(`0x${"f".repeat(64)}`)).toEqual(ok(MAX_UINT256));
  });

  it.each(["0x", "10", "0xg", "-0x1", ""])("rejects %j", (text) => {
    expect(parseHexQuantity(text).ok).toBe(false);
  });
});

it("formats wei as ETH without rounding", () => {
  expect(formatWeiAsEth(1n)).toBe("0.000000000000000001");
  expect(formatWeiAsEth(1_500_000_000_000_000_000n)).toBe("1.5");
  expect(formatWeiAsEth(0n)).toBe("0");
});
