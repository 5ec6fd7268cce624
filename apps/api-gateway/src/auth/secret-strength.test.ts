import { describe, expect, it } from "vitest";
import { secretWeakness } from "./secret-strength.ts";

describe("secretWeakness", () => {
  it("refuses the shipped placeholders and repetitive values", () => {
    expect(secretWeakness("REPLACE_ME_with_at_least_32_random_characters")).toMatch(/placeholder/);
    expect(secretWeakness("change-me-to-at-least-32-random-characters")).toMatch(/placeholder/);
    expect(secretWeakness("a".repeat(64))).toMatch(/0 bits of entropy/);
    expect(secretWeakness("abababababababababababababababab")).toMatch(/32 bits of entropy/);
  });

  it("accepts generated secrets", () => {
    expect(
      secretWeakness("3f9c2a7e51b04d8e9a6c1f0b72d5e83a4c9b1e6f07a2d58c3e9f1b4a6d7c2e05"),
    ).toBeUndefined();
    expect(secretWeakness("Kq3v9Zt2Lw8Rb5Yx1Hn6Pd4Fm7Gc0Sj2Ue9Ta5Wo3Qi8Nl1")).toBeUndefined();
  });
});
