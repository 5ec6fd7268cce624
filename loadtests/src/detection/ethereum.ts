import type { Random } from "./random.ts";

/** Ethereum's units and call-data layout, as far as the traffic generator needs them. */

export const SECONDS_PER_BLOCK = 12;
export const TRANSFER_GAS = 21_000;

/** 4-byte selectors (keccak256 of the signature) of the calls the simulated users make. */
export const SELECTORS = {
  transfer: "a9059cbb", // transfer(address,uint256)
  approve: "095ea7b3", // approve(address,uint256)
  transferFrom: "23b872dd", // transferFrom(address,address,uint256)
  swapExactETHForTokens: "7ff36ab5", // swapExactETHForTokens(uint256,address[],address,uint256)
  swapExactTokensForTokens: "38ed1739", // swapExactTokensForTokens(uint256,uint256,address[],address,uint256)
  execute: "3593564c", // execute(bytes,bytes[],uint256) (Uniswap's Universal Router)
  multicall: "5ae401dc", // multicall(uint256,bytes[])
  deposit: "d0e30db0", // deposit() (WETH)
  withdraw: "2e1a7d4d", // withdraw(uint256) (WETH)
  mint: "a0712d68", // mint(uint256)
  setApprovalForAll: "a22cb465", // setApprovalForAll(address,bool)
  bridgeDeposit: "9a2ac6d5", // depositETHTo(address,uint32,bytes)
} as const;

export const newAddress = (random: Random): string => `0x${random.hex(40)}`;

export const addressWord = (address: string): string => address.slice(2).toLowerCase().padStart(64, "0");
export const uintWord = (value: bigint): string => value.toString(16).padStart(64, "0");

/** Selector plus 32-byte words: `0x` + 8 + 64·n hex digits. */
export const callData = (selector: string, words: readonly string[] = []): string =>
  `0x${selector}${words.join("")}`;

/** The address in word `index` of ABI-encoded call data (the recipient of transfer(address,uint256)). */
export function addressArgument(input: string, index: number): string {
  const start = 2 + 8 + index * 64;
  return `0x${input.slice(start + 24, start + 64)}`;
}

/**
 * An ETH amount as wei, rounded to `significantDigits` (people and wallets send 0.25 ETH, not
 * 0.2500000000000000124): the amounts stay exact decimals whatever float arithmetic produced them.
 */
export function ethToWei(eth: number, significantDigits = 6): bigint {
  if (!(eth > 0) || !Number.isFinite(eth)) return 0n;
  const scale = Math.floor(Math.log10(eth)) - (significantDigits - 1);
  const mantissa = BigInt(Math.round(eth / 10 ** scale));
  const weiScale = scale + 18;
  return weiScale >= 0 ? mantissa * 10n ** BigInt(weiScale) : mantissa / 10n ** BigInt(-weiScale);
}

export const weiToEth = (wei: bigint): number => Number(wei) / 1e18;

/** A non-negative integer amount in a unit of 10^decimals, as a plain decimal string ("0.05", "1500"). */
export function formatUnits(amount: bigint, decimals: number): string {
  const base = 10n ** BigInt(decimals);
  const whole = amount / base;
  const fraction = (amount % base).toString().padStart(decimals, "0").replace(/0+$/, "");
  return fraction === "" ? whole.toString() : `${whole}.${fraction}`;
}

export interface BaseFeeOptions {
  /** Long-run level of the base fee, in gwei. */
  baseFeeGwei: number;
  /** Standard deviation of ln(base fee) around that level (0.3: two thirds of blocks within ×/÷ 1.35). */
  spreadLn: number;
  /** Blocks for a deviation to halve (100 blocks = 20 minutes). */
  halfLifeBlocks: number;
}

const MAX_LOG_STEP = Math.log(1.125);

/**
 * Base fee per block, in gwei: an Ornstein–Uhlenbeck walk in log space around the long-run level, so it
 * drifts for tens of minutes (a busy mint, a quiet spell) without running away. Its swings are shorter
 * than half a day on purpose: both halves of the day then see the same range of gas prices, and a
 * stateless model trained on the first half is not judged on fee levels it never saw.
 */
export function baseFeeSeries(blocks: number, options: BaseFeeOptions, random: Random): Float64Array {
  const series = new Float64Array(blocks);
  const mean = Math.log(options.baseFeeGwei);
  const reversion = 1 - 0.5 ** (1 / options.halfLifeBlocks);
  const volatility = options.spreadLn * Math.sqrt(reversion * (2 - reversion));
  let level = mean + options.spreadLn * random.normal();
  for (let block = 0; block < blocks; block++) {
    const step = reversion * (mean - level) + volatility * random.normal();
    // EIP-1559 moves the base fee at most 12.5 % a block.
    level += Math.max(-MAX_LOG_STEP, Math.min(MAX_LOG_STEP, step));
    series[block] = Math.max(0.001, Math.exp(level));
  }
  return series;
}

/** gwei (float) to wei, rounded to the wei. */
export const gweiToWei = (gwei: number): bigint => BigInt(Math.round(gwei * 1e9));
