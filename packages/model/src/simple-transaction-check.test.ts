import { describe, expect, it } from "vitest";
import { safeNormalizeTransaction } from "./normalize-transaction.ts";
import { isPlainSimpleTransaction } from "./simple-transaction-check.ts";
import { SimpleTransactionInputSchema } from "./transaction-schema.ts";

const valid = {
  hash: `0x${"ab".repeat(32)}`,
  value: 0.054901996,
  gas: 21_000,
  gasPrice: "24.692",
  from: `0x${"c0".repeat(20)}`,
  to: `0x${"d1".repeat(20)}`,
  nonce: 4_608,
};

/** The same fields behind another prototype: the check says no, so only the schema decides. */
const viaSchemaOnly = (tx: object) => Object.assign(new (class Untrusted {})(), tx);

const variants: unknown[] = [
  valid,
  { ...valid, to: null, input: "0xa9059cbb", blockNumber: "19000000", timestamp: 1_700_000_000 },
  { ...valid, maxFeePerGas: 30, maxPriorityFeePerGas: "1.5", chainId: 1, v: "0x1" },
  { ...valid, value: "1e-18" },
  { ...valid, hash: "0x1234" },
  { ...valid, value: -1 },
  { ...valid, value: "1,5" },
  { ...valid, gas: 21_000.5 },
  { ...valid, gas: "-1" },
  { ...valid, gasPrice: undefined },
  { ...valid, from: "0xnothex" },
  { ...valid, to: 42 },
  { ...valid, nonce: 2 ** 60 },
  { ...valid, input: "0xabc" },
  { ...valid, value: Number.POSITIVE_INFINITY },
  { ...valid, value: 1e-19 },
  [valid],
  null,
  "0x",
];

describe("isPlainSimpleTransaction", () => {
  it("accepts only what the schema accepts, and the usual transaction", () => {
    for (const input of variants) {
      if (isPlainSimpleTransaction(input))
        expect(SimpleTransactionInputSchema.safeParse(input).success).toBe(true);
    }
    expect(isPlainSimpleTransaction(valid)).toBe(true);
    expect(isPlainSimpleTransaction(variants[1])).toBe(true);
    expect(isPlainSimpleTransaction(variants[2])).toBe(true);
  });

  it("leaves normalisation's answer unchanged, value or errors", () => {
    for (const input of variants) {
      if (typeof input !== "object" || input === null || Array.isArray(input)) continue;
      const fast = safeNormalizeTransaction(input);
      const schemaOnly = safeNormalizeTransaction(viaSchemaOnly(input));
      expect(fast.ok).toBe(schemaOnly.ok);
      if (fast.ok && schemaOnly.ok) expect(fast.value).toEqual(schemaOnly.value);
      if (!fast.ok && !schemaOnly.ok) expect(fast.error.issues).toEqual(schemaOnly.error.issues);
    }
  });
});
