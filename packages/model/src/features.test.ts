import { describe, expect, it } from "vitest";
import {
  displayFeatureValue,
  extractFeatureMatrix,
  extractFeatures,
  FEATURE_NAMES,
  FEATURE_SPEC_VERSION,
} from "./features.ts";
import type { NormalizedTransaction } from "./normalize-transaction.ts";

const base: NormalizedTransaction = {
  hash: `0x${"0".repeat(64)}`,
  valueWei: 10n ** 18n,
  gas: 21000n,
  gasPriceWei: 20n * 10n ** 9n,
  maxFeePerGasWei: null,
  maxPriorityFeePerGasWei: null,
  from: null,
  to: `0x${"1".repeat(40)}`,
  nonce: null,
  input: "0x",
  blockNumber: null,
  timestamp: null,
  txType: null,
};

const feature = (tx: NormalizedTransaction, name: string) => extractFeatures(tx)[FEATURE_NAMES.indexOf(name)];

describe("extractFeatures", () => {
  it("computes the documented spec", () => {
    expect(FEATURE_SPEC_VERSION).toBe(1);
    expect(FEATURE_NAMES).toHaveLength(9);
    expect(feature(base, "value_log10_wei")).toBeCloseTo(18, 12);
    expect(feature(base, "gas_limit_log10")).toBeCloseTo(Math.log10(21001), 12);
    expect(feature(base, "gas_price_log10_wei")).toBeCloseTo(Math.log10(2e10 + 1), 12);
    expect(feature(base, "value_per_gas_log10_wei")).toBeCloseTo(Math.log10(1 + 1e18 / 21000), 12);
    expect(feature(base, "fee_cap_log10_wei")).toBeCloseTo(Math.log10(1 + 21000 * 2e10), 12);
    expect(feature(base, "input_bytes_log10")).toBe(0);
    expect(feature(base, "has_selector")).toBe(0);
    expect(feature(base, "is_contract_creation")).toBe(0);
  });

  it("keeps zero at zero and stays finite for zero gas and 2^256 wei", () => {
    const extreme = { ...base, valueWei: 2n ** 256n - 1n, gas: 0n, gasPriceWei: 0n };
    const values = extractFeatures(extreme);
    expect(values.every(Number.isFinite)).toBe(true);
    expect(feature({ ...base, valueWei: 0n }, "value_log10_wei")).toBe(0);
    expect(feature(extreme, "value_log10_wei")).toBeCloseTo(77.06, 2);
  });

  it("uses the priority fee, or gasPrice for legacy transactions (EIP-1559 rule)", () => {
    expect(feature(base, "priority_fee_log10_wei")).toBeCloseTo(Math.log10(2e10 + 1), 12);
    expect(feature({ ...base, maxPriorityFeePerGasWei: 10n ** 9n }, "priority_fee_log10_wei")).toBeCloseTo(
      Math.log10(1e9 + 1),
      12,
    );
  });

  it("reads call data: selector, length, contract creation only with init code", () => {
    const call = { ...base, input: `0xa9059cbb${"00".repeat(64)}` };
    expect(feature(call, "has_selector")).toBe(1);
    expect(feature(call, "input_bytes_log10")).toBeCloseTo(Math.log10(69), 12);
    expect(feature({ ...base, input: "0xa9059c" }, "has_selector")).toBe(0);
    expect(feature({ ...base, to: null, input: "0x6080" }, "is_contract_creation")).toBe(1);
    // Sources without a `to` column (the training CSV) must not look like contract creations.
    expect(feature({ ...base, to: null }, "is_contract_creation")).toBe(0);
  });
});

it("builds a row-major matrix identical to per-row extraction", () => {
  const txs = [base, { ...base, valueWei: 0n }, { ...base, gas: 90000n }];
  const matrix = extractFeatureMatrix(txs);
  expect(matrix.rows).toBe(3);
  expect(matrix.cols).toBe(FEATURE_NAMES.length);
  txs.forEach((tx, row) => {
    expect([...matrix.data.subarray(row * matrix.cols, (row + 1) * matrix.cols)]).toEqual([
      ...extractFeatures(tx),
    ]);
  });
});

it("displays feature values in human units", () => {
  expect(displayFeatureValue(0, 18)).toBe("1 ETH");
  expect(displayFeatureValue(2, Math.log10(2e10 + 1))).toBe("20 gwei");
  expect(displayFeatureValue(6, 1)).toBe("calls a function");
});
