import { describe, expect, it } from "vitest";
import { safeNormalizeTransaction } from "./normalize-transaction.ts";
import { isPlainSimpleTransaction } from "./simple-transaction-check.ts";
import { FIELD_ALIASES, SimpleTransactionInputSchema } from "./transaction-schema.ts";

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
  // Accepted by both checks, refused by normalisation's range check either way.
  { ...valid, timestamp: 1_714_564_800_000 },
  // Left to the schema: ISO-8601 timestamps and the original API's names (index 20 on).
  { ...valid, timestamp: "2024-05-01T12:00:00Z" },
  { ...valid, timestamp: "2024-05-01T14:00:00.5+02:00" },
  { ...valid, timestamp: "2024-05-01T12:00:00" },
  { ...valid, timestamp: "2024-02-30T12:00:00Z" },
  { ...valid, from: undefined, from_address: valid.from },
  { ...valid, from_address: valid.from.toUpperCase().replace("0X", "0x") },
  { ...valid, from_address: `0x${"99".repeat(20)}` },
  { ...valid, gasPrice: undefined, gas_price: valid.gasPrice },
  { ...valid, gas_price: "24.6920" },
  { ...valid, gas_price: 25 },
  { ...valid, to_address: null },
  { ...valid, block_number: 19_000_000, blockNumber: "19000000" },
  { ...valid, block_timestamp: "2024-05-01T12:00:00Z", timestamp: 1_714_564_800 },
  { ...valid, block_timestamp: "2024-05-01T12:00:00Z", timestamp: 1_714_564_801 },
  { ...valid, max_fee_per_gas: 30, max_priority_fee_per_gas: "1.5" },
  { ...valid, gasPrice: undefined },
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

  it("leaves ISO-8601 timestamps and every alias of the original API to the schema", () => {
    for (const alias of Object.keys(FIELD_ALIASES)) {
      expect([alias, isPlainSimpleTransaction({ ...valid, [alias]: 1 })]).toEqual([alias, false]);
    }
    expect(isPlainSimpleTransaction(variants[19])).toBe(true);
    expect(safeNormalizeTransaction(variants[19]).ok).toBe(false);
    expect(variants.slice(20).map((input) => isPlainSimpleTransaction(input))).toEqual(
      Array.from({ length: 16 }, () => false),
    );
    // Accepted where normalisation accepts them: zoned ISO timestamps, aliases alone or agreeing with their field.
    const accepted = variants.slice(20).map((input) => safeNormalizeTransaction(input).ok);
    expect(accepted).toEqual([
      true,
      true,
      false,
      false,
      true,
      true,
      false,
      true,
      true,
      false,
      false,
      true,
      true,
      false,
      true,
      false,
    ]);
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
