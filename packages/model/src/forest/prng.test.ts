import { expect, it } from "vitest";
import { createRandom } from "./prng.ts";

it("is reproducible per seed and differs across seeds", () => {
  const draw = (seed: number) => Array.from({ length: 5 }, createRandom(seed).next);
  expect(draw(42)).toEqual(draw(42));
  expect(draw(42)).not.toEqual(draw(43));
});

it("draws uniformly in [0, 1)", () => {
  const random = createRandom(7);
  const buckets = new Array(10).fill(0);
  for (let i = 0; i < 20_000; i++) {
    const x = random.next();
    expect(x >= 0 && x < 1).toBe(true);
    buckets[Math.floor(x * 10)]++;
  }
  for (const count of buckets) expect(Math.abs(count - 2_000)).toBeLessThan(200);
});

it("draws integers below the bound", () => {
  const random = createRandom(1);
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) seen.add(random.nextInt(3));
  expect([...seen].sort()).toEqual([0, 1, 2]);
});
