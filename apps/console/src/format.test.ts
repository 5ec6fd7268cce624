import { describe, expect, it } from "vitest";
import { formatEth, formatGas, formatGwei, formatPsi, formatRate, shortHex } from "./format.ts";

describe("units", () => {
  it("shows wei as ETH exactly, to six decimals, rounded half up", () => {
    expect(formatEth("1500000000000000000")).toBe("1.5 ETH");
    expect(formatEth("500000000000000000000")).toBe("500 ETH");
    expect(formatEth("1234567000000000000000")).toBe("1,234.567 ETH");
    expect(formatEth("999999999999999999")).toBe("1 ETH");
    expect(formatEth("1000000000000")).toBe("0.000001 ETH");
    expect(formatEth("0")).toBe("0 ETH");
    // Past 2^53 wei, where a Number would already be off.
    expect(formatEth("123456789012345678901234")).toBe("123,456.789012 ETH");
  });

  it("shows gas prices in gwei and gas amounts with separators", () => {
    expect(formatGwei("30000000000")).toBe("30 gwei");
    expect(formatGwei("1500000")).toBe("0.002 gwei");
    expect(formatGwei("12345678901")).toBe("12.346 gwei");
    expect(formatGas("21000")).toBe("21,000 gas");
    expect(formatGas("1000000")).toBe("1,000,000 gas");
  });

  it("keeps a value it cannot read as it came", () => {
    expect(formatEth("not-a-number")).toBe("not-a-number ETH");
  });

  it("shortens hashes for tables", () => {
    expect(shortHex(`0x${"ab".repeat(32)}`)).toBe("0xababab…ababab");
    expect(shortHex("0x1234")).toBe("0x1234");
  });

  it("shows PSI to three decimals, the stored stand-in for an infinite one as ∞", () => {
    expect(formatPsi(0.0123)).toBe("0.012");
    expect(formatPsi(8.3)).toBe("8.300");
    expect(formatPsi(1.7976931348623157e308)).toBe("∞");
    expect(formatPsi("Infinity")).toBe("∞");
    expect(formatPsi("odd")).toBe("odd");
  });

  it("shows rates as percentages, nothing to divide by as a dash", () => {
    expect(formatRate(0.034)).toBe("3.4 %");
    expect(formatRate(1)).toBe("100.0 %");
    expect(formatRate(null)).toBe("–");
  });
});
