import { createRandom, type Random } from "./forest/prng.ts";
import type { NormalizedTransaction } from "./normalize-transaction.ts";

export type SyntheticTrafficOptions = {
  count: number;
  seed: number;
  /** Fraction of injected outliers (extreme value, extreme gas price, unusual gas limit). Default 0. */
  outlierRate?: number;
  /**
   * Senders and recipients drawn from this many addresses, a few busy and many quiet (address i is drawn
   * with weight ~1/√i), so the stream has address history; default: every address fresh. Drawn from a
   * stream of their own: the transactions are otherwise the same as without it.
   */
  addresses?: number;
};

export type OutlierKind = "extreme_value" | "extreme_gas_price" | "unusual_gas_limit";

export type SyntheticTraffic = {
  transactions: NormalizedTransaction[];
  /** null for normal traffic. */
  outlierKinds: (OutlierKind | null)[];
};

const OUTLIER_KINDS: readonly OutlierKind[] = ["extreme_value", "extreme_gas_price", "unusual_gas_limit"];
const GWEI = 1e9;
const ETH = 1e18;

/**
 * Seeded, post-London-looking mainnet traffic for tests, demos and load tests: 45 % ETH transfers, 35 %
 * ERC-20 transfers, 15 % swaps, 5 % other contract calls, a few contract creations; EIP-1559 fees around a
 * 15 gwei base fee. The mix is an illustration, not a measurement of mainnet.
 */
export function generateSyntheticTraffic(options: SyntheticTrafficOptions): SyntheticTraffic {
  const random = createRandom(options.seed);
  const outlierRate = options.outlierRate ?? 0;
  const pool = options.addresses === undefined ? null : addressPool(options.addresses, options.seed);
  const transactions: NormalizedTransaction[] = [];
  const outlierKinds: (OutlierKind | null)[] = [];
  for (let i = 0; i < options.count; i++) {
    const tx = normalTransaction(random, i);
    let kind: OutlierKind | null = null;
    if (random.next() < outlierRate) {
      kind = OUTLIER_KINDS[random.nextInt(OUTLIER_KINDS.length)] ?? "extreme_value";
      injectOutlier(tx, kind, random);
    }
    if (pool) {
      tx.from = pool.pick();
      if (tx.to !== null) tx.to = pool.pick();
    }
    transactions.push(tx);
    outlierKinds.push(kind);
  }
  return { transactions, outlierKinds };
}

function normalTransaction(random: Random, index: number): NormalizedTransaction {
  const baseFee = 10 ** gaussian(random, Math.log10(15 * GWEI), 0.15);
  const priority = 10 ** gaussian(random, Math.log10(1.5 * GWEI), 0.3);
  const kind = random.next();
  let valueEth = 0;
  let gas: number;
  let input = "0x";
  let to: string | null = hex(random, 40);
  if (kind < 0.45) {
    valueEth = 10 ** gaussian(random, -1, 0.9);
    gas = 21000;
  } else if (kind < 0.8) {
    gas = 10000 * (5 + random.nextInt(6));
    input = `0xa9059cbb${hex(random, 128).slice(2)}`;
  } else if (kind < 0.95) {
    valueEth = random.next() < 0.5 ? 10 ** gaussian(random, -0.5, 0.7) : 0;
    gas = 150000 + random.nextInt(250000);
    input = `0x${hex(random, 8 + 64 * (4 + random.nextInt(16))).slice(2)}`;
  } else if (kind < 0.997) {
    gas = 40000 + random.nextInt(500000);
    input = `0x${hex(random, 8 + 64 * (1 + random.nextInt(12))).slice(2)}`;
  } else {
    gas = 500000 + random.nextInt(3000000);
    input = `0x${hex(random, 2 * (2000 + random.nextInt(8000))).slice(2)}`;
    to = null;
  }
  const maxFee = 2 * baseFee + priority;
  return {
    hash: hex(random, 64),
    valueWei: BigInt(Math.round(valueEth * 1e6)) * 10n ** 12n,
    gas: BigInt(gas),
    gasPriceWei: BigInt(Math.round(baseFee + priority)),
    maxFeePerGasWei: BigInt(Math.round(maxFee)),
    maxPriorityFeePerGasWei: BigInt(Math.round(priority)),
    from: hex(random, 40),
    to,
    nonce: random.nextInt(5000),
    input,
    blockNumber: 21_000_000 + Math.floor(index / 150),
    timestamp: 1_730_000_000 + Math.floor(index / 150) * 12,
    txType: 2,
  };
}

function injectOutlier(tx: NormalizedTransaction, kind: OutlierKind, random: Random): void {
  if (kind === "extreme_value") {
    tx.valueWei = BigInt(Math.round(10 ** (4 + 1.5 * random.next()))) * BigInt(ETH);
  } else if (kind === "extreme_gas_price") {
    const price = BigInt(Math.round(10 ** (3 + random.next()) * GWEI));
    tx.gasPriceWei = price;
    tx.maxFeePerGasWei = price;
    tx.maxPriorityFeePerGasWei = price - 10n * BigInt(GWEI);
  } else {
    tx.gas = BigInt(10_000_000 + random.nextInt(20_000_000));
  }
}

function addressPool(size: number, seed: number): { pick: () => string } {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`addresses must be a positive integer, got ${size}`);
  const random = createRandom((seed ^ 0x5bd1e995) >>> 0);
  const addresses = Array.from({ length: size }, () => hex(random, 40));
  // u² on [0, 1) puts density ~1/√x on the index: the first addresses are busy, the tail quiet.
  return { pick: () => addresses[Math.floor(random.next() ** 2 * size)] as string };
}

/** Box–Muller; one normal per call keeps the stream easy to reason about. */
function gaussian(random: Random, mean: number, sd: number): number {
  const u = 1 - random.next();
  const v = random.next();
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function hex(random: Random, digits: number): string {
  let out = "0x";
  while (out.length < digits + 2) out += random.nextInt(0x10000).toString(16).padStart(4, "0");
  return out.slice(0, digits + 2);
}
