/**
 * Units — the one place they are defined in code (docs/model.md repeats this table for readers).
 *
 * | input shape | field                     | unit on the wire                  | normalised as      |
 * |-------------|---------------------------|-----------------------------------|--------------------|
 * | simple      | value                     | ETH, number or decimal string     | valueWei (bigint)  |
 * | simple      | gasPrice                  | gwei, number or decimal string    | gasPriceWei        |
 * | simple      | gas                       | gas units, integer                | gas (bigint)       |
 * | JSON-RPC    | value, gasPrice, maxFee…  | wei, hex quantity ("0x…")         | …Wei (bigint)      |
 * | JSON-RPC    | gas, nonce, blockNumber   | hex quantity                      | bigint / number    |
 *
 * 1 ETH = 10^18 wei, 1 gwei = 10^9 wei. Amounts stay bigint so no precision is lost; numbers given by
 * callers are converted through their shortest round-trip decimal form (String(0.1) === "0.1"), so 0.1 ETH
 * is exactly 10^17 wei — the value the caller wrote — not the binary double 0.1000000000000000055…
 */

export const WEI_PER_ETH = 10n ** 18n;
export const WEI_PER_GWEI = 10n ** 9n;
export const ETH_DECIMALS = 18;
export const GWEI_DECIMALS = 9;
/** Largest EVM word; wei amounts and prices above it cannot exist on chain. */
export const MAX_UINT256 = 2n ** 256n - 1n;
/** Gas limits are uint64 in the protocol. */
export const MAX_UINT64 = 2n ** 64n - 1n;

export type ParseResult = { ok: true; value: bigint } | { ok: false; message: string };

const DECIMAL_PATTERN = /^(\d+)?(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX_QUANTITY_PATTERN = /^0x[0-9a-fA-F]+$/;
// Exponents beyond this cannot produce a value under MAX_UINT256 and would make 10n ** e expensive.
const MAX_EXPONENT = 400;
/**
 * 10^0 … 10^77 (MAX_UINT256 has 78 digits). Three amounts per transaction each computed `10n ** BigInt(n)`:
 * in a 1000-item batch the unit conversion was 13 % of the gateway's CPU (docs/benchmarks.md).
 */
const POWERS_OF_TEN: readonly bigint[] = Array.from({ length: 78 }, (_, n) => 10n ** BigInt(n));
const powerOfTen = (n: number): bigint => POWERS_OF_TEN[n] ?? 10n ** BigInt(n);

/**
 * Parses a non-negative decimal string (optionally with an exponent, as CSV exports of floats contain:
 * "1.8e+18", "7500000000000000.0") into an integer count of 10^-decimals units, exactly. Digits below the
 * smallest unit must be zero: "1e-19" ETH is refused rather than silently truncated.
 */
export function parseDecimalUnits(text: string, decimals: number): ParseResult {
  const trimmed = text.trim();
  const match = DECIMAL_PATTERN.exec(trimmed);
  if (trimmed === "" || match === null || (match[1] === undefined && (match[2] ?? "") === "")) {
    return { ok: false, message: `not a non-negative decimal number: ${JSON.stringify(truncate(text))}` };
  }
  const integerDigits = match[1] ?? "";
  const fractionDigits = match[2] ?? "";
  const exponent = Number(match[3] ?? "0");
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > MAX_EXPONENT) {
    return { ok: false, message: `exponent out of range: ${JSON.stringify(truncate(text))}` };
  }
  const allDigits = `${integerDigits}${fractionDigits}`;
  // value = digits * 10^(exponent + decimals - fractionDigits.length)
  const shift = exponent + decimals - fractionDigits.length;
  if (shift >= 0) {
    // BigInt ignores leading zeros; only the cut below needs them stripped.
    return { ok: true, value: BigInt(allDigits || "0") * powerOfTen(shift) };
  }
  const digits = allDigits.replace(/^0+(?=\d)/, "");
  const cut = digits.length + shift;
  const kept = cut > 0 ? digits.slice(0, cut) : "0";
  const dropped = cut > 0 ? digits.slice(cut) : digits;
  if (/[1-9]/.test(dropped)) {
    return {
      ok: false,
      message: `more precision than the smallest unit (10^-${decimals}): ${truncate(text)}`,
    };
  }
  return { ok: true, value: BigInt(kept) };
}

/** Converts a JS number through its shortest round-trip decimal representation (see the header). */
export function numberToUnits(value: number, decimals: number): ParseResult {
  if (!Number.isFinite(value)) return { ok: false, message: `not a finite number: ${value}` };
  if (value < 0) return { ok: false, message: `must not be negative: ${value}` };
  // An integer below 2^53 prints as its plain digits, so the decimal round trip would give this same value.
  if (Number.isSafeInteger(value)) return { ok: true, value: BigInt(value) * powerOfTen(decimals) };
  const text = String(value);
  // The usual "24.692": digits around one point, no exponent, no finer than the unit. The same value the
  // general parser gives, without its pattern match; anything else (1e-7, 1e+21, too precise) goes there.
  const point = text.indexOf(".");
  const fractionLength = text.length - point - 1;
  if (point > 0 && fractionLength <= decimals && !text.includes("e")) {
    const digits = text.slice(0, point) + text.slice(point + 1);
    return { ok: true, value: BigInt(digits) * powerOfTen(decimals - fractionLength) };
  }
  return parseDecimalUnits(text, decimals);
}

/** JSON-RPC QUANTITY: "0x" followed by hex digits (leading zeros tolerated, "0x" alone is not a number). */
export function parseHexQuantity(text: string): ParseResult {
  if (!HEX_QUANTITY_PATTERN.test(text)) {
    return { ok: false, message: `not a hex quantity: ${JSON.stringify(truncate(text))}` };
  }
  return { ok: true, value: BigInt(text) };
}

/** Formats wei as a decimal ETH string without rounding ("0.000000000000000001"). */
export function formatWeiAsEth(wei: bigint): string {
  return formatUnits(wei, ETH_DECIMALS);
}

export function formatUnits(amount: bigint, decimals: number): string {
  const negative = amount < 0n;
  const digits = (negative ? -amount : amount).toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
