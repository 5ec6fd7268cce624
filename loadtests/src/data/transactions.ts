/**
 * Synthetic, JSON-ready transactions for load: the simple shape (ETH, gwei, gas units) that clients send.
 * The same hash always carries the same fields, so a repeated hash is a genuine repeat (a cache hit is
 * only possible for it), and a fresh hash is one no run has sent before.
 */

export interface SimpleTransaction {
  hash: string;
  value: number;
  gas: number;
  gasPrice: number;
  from: string;
  to: string | null;
  nonce: number;
}

/** mulberry32: tiny, seedable, good enough to spread amounts; not for anything secret. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const hex = (value: number, width: number) => (value >>> 0).toString(16).padStart(width, "0").slice(-width);

/** Hash of pool entry `index` for a run salt (8 hex): 0x + salt + index, 64 hex digits in all. */
export function poolHash(salt: string, index: number): string {
  return `0x${salt.padStart(8, "0").slice(-8)}${index.toString(16).padStart(56, "0")}`;
}

/** A hash no pool entry can have: the top bit of the index part is set, the rest random. */
export function freshHash(random: () => number = Math.random): string {
  let digits = (8 + Math.floor(random() * 8)).toString(16);
  while (digits.length < 64) digits += hex(Math.floor(random() * 4_294_967_296), 8);
  return `0x${digits.slice(0, 64)}`;
}

const ADDRESS_POOL = 5_000;
const address = (index: number) => `0x${"c0ffee".padEnd(32, "0")}${hex(index, 8)}`;

/**
 * Fields derived from the hash, so they are stable for a hash. About 45 % plain ETH transfers (gas 21000),
 * the rest contract calls with larger gas limits; amounts log-normal around 0.1 ETH; gas price around
 * 15–30 gwei. `outlierRate` of them get an extreme amount or gas price, so anomalies exist to query.
 */
export function transactionFor(hash: string, outlierRate = 0.02): SimpleTransaction {
  let seed = 0;
  for (let i = 2; i < hash.length; i += 8)
    seed = (Math.imul(seed, 31) + Number.parseInt(hash.slice(i, i + 8), 16)) | 0;
  const random = seededRandom(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const isTransfer = random() < 0.45;
  let value = isTransfer ? 10 ** (-1 + 0.9 * gaussian()) : random() < 0.5 ? 0 : 10 ** (-1.5 + gaussian());
  let gasPrice = 10 ** (Math.log10(18) + 0.15 * gaussian());
  const gas = isTransfer ? 21_000 : 10_000 * (5 + Math.floor(random() * 25));
  if (random() < outlierRate) {
    if (random() < 0.5) value = 10 ** (3 + 2 * random());
    else gasPrice = 10 ** (3 + random());
  }
  return {
    hash,
    value: Math.round(value * 1e9) / 1e9,
    gas,
    gasPrice: Math.round(gasPrice * 1e3) / 1e3,
    from: address(Math.floor(random() * ADDRESS_POOL)),
    to: random() < 0.01 ? null : address(Math.floor(random() * ADDRESS_POOL)),
    nonce: Math.floor(random() * 5_000),
  };
}

/** Samples ranks 0..size-1 with P(k) ∝ 1 / (k + 1)^exponent: a few hot hashes, a long tail. */
export function createZipfSampler(size: number, exponent: number): (random?: () => number) => number {
  const cumulative = new Float64Array(size);
  let total = 0;
  for (let k = 0; k < size; k++) {
    total += 1 / (k + 1) ** exponent;
    cumulative[k] = total;
  }
  return (random = Math.random) => {
    const target = random() * total;
    let low = 0;
    let high = size - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((cumulative[mid] ?? total) < target) low = mid + 1;
      else high = mid;
    }
    return low;
  };
}

export interface WorkloadOptions {
  /** Share of transactions drawn from the hot pool (can repeat); the rest are fresh, never-seen hashes. */
  repeatShare: number;
  /** Distinct hashes in the pool. */
  poolSize: number;
  /** Zipf exponent over the pool: 0 = uniform, ~1 = web-like popularity. */
  zipfExponent: number;
  /** Distinguishes runs so a warm shared cache (Redis) from an earlier run does not count as hits. */
  salt: string;
}

export const DEFAULT_WORKLOAD: WorkloadOptions = {
  repeatShare: 0.8,
  poolSize: 10_000,
  zipfExponent: 1,
  salt: "00000000",
};

/** Draws transactions for a workload: repeats from the Zipf pool, fresh hashes otherwise. */
export function createWorkload(options: WorkloadOptions, random: () => number = Math.random) {
  const sample = createZipfSampler(options.poolSize, options.zipfExponent);
  const next = (): SimpleTransaction =>
    random() < options.repeatShare
      ? transactionFor(poolHash(options.salt, sample(random)))
      : transactionFor(freshHash(random));
  return {
    next,
    batch: (size: number) => Array.from({ length: size }, next),
  };
}
