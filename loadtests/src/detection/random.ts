import { seededRandom } from "../data/transactions.ts";

/**
 * A seeded source of the distributions the traffic generator draws from. One stream per purpose (normal
 * traffic, injected anomalies, hashes), each derived from the run seed and a name, so adding an anomaly
 * kind or an extra draw in one stream does not shift the others: the normal traffic of a seed stays the
 * same whatever is injected into it.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  uniform(low: number, high: number): number;
  /** Integer in [low, high], both included. */
  int(low: number, high: number): number;
  chance(probability: number): boolean;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** 10^(log10(median) + sigmaLog10 × N(0, 1)): a log-normal given by its median and spread in decades. */
  logNormal(median: number, sigmaLog10: number): number;
  /** Log-uniform in [low, high]: each decade equally likely. */
  logUniform(low: number, high: number): number;
  /** Exponential with the given mean (inter-arrival times of a Poisson process). */
  exponential(mean: number): number;
  pick<T>(items: readonly T[]): T;
  /** Index k in [0, size) with P(k) ∝ 1 / (k + 1)^exponent. */
  zipf(size: number, exponent: number): number;
  /** `digits` lower-case hex digits. */
  hex(digits: number): string;
  shuffle<T>(items: T[]): T[];
}

/** FNV-1a over the name, mixed with the seed: independent-looking uint32 seeds per stream. */
export function streamSeed(seed: number, name: string): number {
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  // splitmix-style finaliser: nearby seeds must not give nearby streams.
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

export function createRandom(seed: number, stream = ""): Random {
  const next = seededRandom(streamSeed(seed, stream));
  const zipfTables = new Map<string, Float64Array>();
  const random: Random = {
    next,
    uniform: (low, high) => low + (high - low) * next(),
    int: (low, high) => low + Math.floor(next() * (high - low + 1)),
    chance: (probability) => next() < probability,
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
    logNormal: (median, sigmaLog10) => median * 10 ** (sigmaLog10 * random.normal()),
    logUniform: (low, high) => low * (high / low) ** next(),
    exponential: (mean) => -mean * Math.log(1 - next()),
    pick: (items) => {
      if (items.length === 0) throw new RangeError("pick from an empty list");
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    zipf: (size, exponent) => {
      const key = `${size}:${exponent}`;
      let cumulative = zipfTables.get(key);
      if (!cumulative) {
        cumulative = new Float64Array(size);
        let total = 0;
        for (let k = 0; k < size; k++) {
          total += 1 / (k + 1) ** exponent;
          cumulative[k] = total;
        }
        zipfTables.set(key, cumulative);
      }
      const target = next() * (cumulative[size - 1] ?? 0);
      let low = 0;
      let high = size - 1;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if ((cumulative[mid] ?? 0) < target) low = mid + 1;
        else high = mid;
      }
      return low;
    },
    hex: (digits) => {
      let out = "";
      while (out.length < digits)
        out += Math.floor(next() * 4_294_967_296)
          .toString(16)
          .padStart(8, "0");
      return out.slice(0, digits);
    },
    shuffle: (items) => {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [items[i], items[j]] = [items[j] as (typeof items)[number], items[i] as (typeof items)[number]];
      }
      return items;
    },
  };
  return random;
}
