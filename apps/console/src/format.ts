const WEI_PER_GWEI = 1_000_000_000n;
const WEI_PER_ETH = 1_000_000_000_000_000_000n;

/** A decimal string of wei in a bigger unit, exact (BigInt), trailing zeros trimmed, at most `digits` decimals. */
function scaleWei(wei: string, unit: bigint, digits: number): string {
  let value: bigint;
  try {
    value = BigInt(wei);
  } catch {
    return wei;
  }
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const whole = magnitude / unit;
  const scale = 10n ** BigInt(digits);
  // Rounded half up at the last shown digit, so 0.9999999 ETH does not read as 0.999999.
  const fraction = ((magnitude % unit) * scale + unit / 2n) / unit;
  const carried = fraction >= scale ? whole + 1n : whole;
  const fractionText = (fraction >= scale ? fraction - scale : fraction)
    .toString()
    .padStart(digits, "0")
    .replace(/0+$/, "");
  const wholeText = carried.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}${wholeText}${fractionText ? `.${fractionText}` : ""}`;
}

/** `"1500000000000000000"` → `"1.5 ETH"`. */
export const formatEth = (wei: string) => `${scaleWei(wei, WEI_PER_ETH, 6)} ETH`;

/** `"30000000000"` → `"30 gwei"`. */
export const formatGwei = (wei: string) => `${scaleWei(wei, WEI_PER_GWEI, 3)} gwei`;

/** A gas amount with thousands separators: `"21000"` → `"21,000 gas"`. */
export const formatGas = (gas: string) => `${gas.replace(/\B(?=(\d{3})+(?!\d))/g, ",")} gas`;

/** A 0–1 score as shown everywhere in the console: two decimals. */
export const formatScore = (score: number | null) => (score === null ? "–" : score.toFixed(2));

/** `0x1234…abcd` for tables; the full value stays in the title and on the detail pages. */
export const shortHex = (hex: string, keep = 6) =>
  hex.length <= keep * 2 + 2 ? hex : `${hex.slice(0, keep + 2)}…${hex.slice(-keep)}`;

/** An ISO time in the reader's locale, to the second. */
export function formatTime(iso: string | null): string {
  if (!iso) return "–";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { hour12: false });
}

/**
 * A population stability index, three decimals. The gateway stores an infinite PSI (a recent value in a bin
 * the reference left empty) as the largest float8, so anything that large reads as infinite too.
 */
export function formatPsi(psi: number | string): string {
  const value = typeof psi === "string" ? Number(psi) : psi;
  if (Number.isNaN(value)) return String(psi);
  return !Number.isFinite(value) || value >= 1e300 ? "∞" : value.toFixed(3);
}

/** A 0–1 share as a percentage, one decimal; null (nothing to divide by) as a dash. */
export const formatRate = (rate: number | null) => (rate === null ? "–" : `${(rate * 100).toFixed(1)} %`);
