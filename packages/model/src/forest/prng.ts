/**
 * mulberry32 (Tommy Ettinger, public domain): 32-bit state, passes gjrand/PractRand up to 2^32 outputs,
 * a few integer ops per call. The forest needs reproducibility (same data + seed ⇒ byte-identical model
 * file), not cryptographic strength, and one draw per split stays far below its period.
 */
export type Random = {
  /** Uniform in [0, 1) with 53 random bits, built from two 32-bit outputs. */
  next(): number;
  /** Uniform integer in [0, bound), bound ≤ 2^32. */
  nextInt(bound: number): number;
};

export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const nextUint32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return {
    next() {
      const high = nextUint32() >>> 5; // 27 bits
      const low = nextUint32() >>> 6; // 26 bits
      return (high * 67108864 + low) / 9007199254740992;
    },
    nextInt(bound) {
      return Math.floor(this.next() * bound);
    },
  };
}
