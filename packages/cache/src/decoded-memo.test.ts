import { describe, expect, it } from "vitest";
import { createDecodedMemo } from "./decoded-memo.ts";

describe("createDecodedMemo", () => {
  it("decodes each text once and shares the frozen value", () => {
    const memo = createDecodedMemo({ maxEntries: 10, maxTextLength: 1_000 });
    const text = '{"score":0.7,"explanation":[{"feature":"value","contribution":0.5}]}';
    const first = memo.parse(text) as { score: number; explanation: { contribution: number }[] };
    expect(first).toEqual({ score: 0.7, explanation: [{ feature: "value", contribution: 0.5 }] });
    expect(memo.parse(`${text}`)).toBe(first);
    expect(Object.isFrozen(first.explanation[0])).toBe(true);
    expect(() => {
      first.score = 1;
    }).toThrow(TypeError);
    expect(memo.parse('{"score":0.8}')).toEqual({ score: 0.8 });
  });

  it("stays within its bounds and throws on invalid JSON like JSON.parse", () => {
    const memo = createDecodedMemo({ maxEntries: 2, maxTextLength: 10 });
    for (const n of [1, 2, 3]) memo.parse(String(n));
    expect(memo.size).toBe(2);
    memo.parse(`"${"x".repeat(20)}"`);
    expect(memo.size).toBe(2);
    expect(() => memo.parse("{")).toThrow(SyntaxError);
  });
});
