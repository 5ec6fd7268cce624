import { describe, expect, it } from "vitest";
import { findJsonProblem } from "./json-safety.ts";

const limits = { maxDepth: 8, maxArrayLength: 5, maxStringLength: 10, maxKeys: 20 };

describe("findJsonProblem", () => {
  it("accepts ordinary documents", () => {
    expect(findJsonProblem({ a: [1, 2, { b: "short" }], c: null }, limits)).toBeUndefined();
  });

  it.each([
    ["deep nesting", JSON.parse("[".repeat(50) + "]".repeat(50)), /deeper/],
    ["long arrays", { a: [1, 2, 3, 4, 5, 6] }, /more than 5 items/],
    ["long strings", { a: "x".repeat(11) }, /longer than 10/],
    ["many keys", Object.fromEntries(Array.from({ length: 25 }, (_, index) => [`k${index}`, index])), /keys/],
    ["__proto__", JSON.parse('{"a":{"__proto__":{"polluted":true}}}'), /__proto__/],
    ["constructor", { constructor: { prototype: {} } }, /constructor/],
  ])("refuses %s", (_name, value, message) => {
    expect(findJsonProblem(value, limits)).toMatch(message);
  });

  it("does not overflow the stack on a 100,000-deep document", () => {
    const deep = JSON.parse("[".repeat(100_000) + "]".repeat(100_000));
    expect(findJsonProblem(deep, { ...limits, maxDepth: 64 })).toMatch(/deeper/);
  });
});
