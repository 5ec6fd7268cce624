import { describe, expect, it } from "vitest";
import { z } from "zod";
import { TransactionValidationError } from "./errors.ts";
import { normalizeTransaction, safeNormalizeTransaction } from "./normalize-transaction.ts";
import { TransactionInputSchema } from "./transaction-schema.ts";

const HASH = `0x${"AB".repeat(32)}`;
const FROM = "0x742d35Cc6634C0532925a3b844Bc454e4438f44e";

// Shape of a real eth_getTransactionByHash response for an EIP-1559 transaction.
const rpcTx = {
  blockHash: `0x${"11".repeat(32)}`,
  blockNumber: "0x1312d00",
  from: FROM,
  gas: "0x5208",
  gasPrice: "0x4a817c800",
  maxFeePerGas: "0x6fc23ac00",
  maxPriorityFeePerGas: "0x3b9aca00",
  hash: HASH,
  input: "0x",
  nonce: "0x2a",
  to: "0x00000000219ab540356cBB839Cbe05303d7705Fa",
  transactionIndex: "0x3",
  value: "0xde0b6b3a7640000",
  type: "0x2",
  accessList: [],
  chainId: "0x1",
  v: "0x1",
  r: `0x${"22".repeat(32)}`,
  s: `0x${"33".repeat(32)}`,
  yParity: "0x1",
};

function issuesOf(input: unknown) {
  const result = safeNormalizeTransaction(input);
  if (result.ok) throw new Error("expected a validation error");
  expect(result.error).toBeInstanceOf(TransactionValidationError);
  expect(result.error.code).toBe("VALIDATION_ERROR");
  return result.error.issues;
}

describe("simple shape", () => {
  it("converts ETH and gwei to wei and lower-cases hex", () => {
    const tx = normalizeTransaction({
      hash: HASH,
      value: 1.5,
      gas: 21000,
      gasPrice: "20.5",
      from: FROM,
      nonce: 7,
    });
    expect(tx).toEqual({
      hash: HASH.toLowerCase(),
      valueWei: 1_500_000_000_000_000_000n,
      gas: 21000n,
      gasPriceWei: 20_500_000_000n,
      maxFeePerGasWei: null,
      maxPriorityFeePerGasWei: null,
      from: FROM.toLowerCase(),
      to: null,
      nonce: 7,
      input: "0x",
      blockNumber: null,
      timestamp: null,
      txType: null,
    });
  });

  it("handles the unit edge cases exactly", () => {
    expect(
      normalizeTransaction({ hash: HASH, value: "0.000000000000000001", gas: 1, gasPrice: 0 }).valueWei,
    ).toBe(1n);
    expect(normalizeTransaction({ hash: HASH, value: 1e-18, gas: 1, gasPrice: 0 }).valueWei).toBe(1n);
    expect(
      normalizeTransaction({ hash: HASH, value: "0", gas: "21000", gasPrice: "0.000000001" }).gasPriceWei,
    ).toBe(1n);
    const whale = normalizeTransaction({
      hash: HASH,
      value: "120000000.000000000000000001",
      gas: 21000,
      gasPrice: 1,
    });
    expect(whale.valueWei).toBe(120_000_000n * 10n ** 18n + 1n);
  });

  it("accepts numeric strings for integer fields, as CSV rows carry them", () => {
    const tx = normalizeTransaction({
      hash: HASH,
      value: "1",
      gas: "90000",
      gasPrice: "1",
      nonce: "3",
      timestamp: "1700000000",
    });
    expect(tx.nonce).toBe(3);
    expect(tx.timestamp).toBe(1_700_000_000);
  });

  it("lists every offending field", () => {
    const issues = issuesOf({ hash: "0x1234", value: -1, gas: 1.5, gasPrice: "abc" });
    expect(issues.map((issue) => issue.path).sort()).toEqual(["gas", "gasPrice", "hash", "value"]);
  });

  it.each([
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["negative", -0.5],
    ["non-numeric string", "1 ETH"],
    ["sub-wei precision", "1e-19"],
    ["more than 2^256 wei", `${2n ** 256n}`],
  ])("rejects a %s value", (_name, value) => {
    expect(issuesOf({ hash: HASH, value, gas: 21000, gasPrice: 1 }).map((issue) => issue.path)).toEqual([
      "value",
    ]);
  });

  it("rejects non-objects and missing required fields", () => {
    expect(issuesOf(null).length).toBeGreaterThan(0);
    expect(
      issuesOf({ hash: HASH })
        .map((issue) => issue.path)
        .sort(),
    ).toEqual(["gas", "gasPrice", "value"]);
  });
});

describe("JSON-RPC shape", () => {
  it("is detected from a hex value and keeps wei exactly, ignoring extra fields", () => {
    const tx = normalizeTransaction(rpcTx);
    expect(tx).toEqual({
      hash: HASH.toLowerCase(),
      valueWei: 10n ** 18n,
      gas: 21000n,
      gasPriceWei: 20_000_000_000n,
      maxFeePerGasWei: 30_000_000_000n,
      maxPriorityFeePerGasWei: 1_000_000_000n,
      from: FROM.toLowerCase(),
      to: "0x00000000219ab540356cbb839cbe05303d7705fa",
      nonce: 42,
      input: "0x",
      blockNumber: 20_000_000,
      timestamp: null,
      txType: 2,
    });
    expect(tx).not.toHaveProperty("v");
  });

  it("handles contract creation, pending blocks and zero/one wei", () => {
    const tx = normalizeTransaction({
      ...rpcTx,
      to: null,
      blockNumber: null,
      value: "0x0",
      input: "0x6080604052",
    });
    expect(tx.to).toBeNull();
    expect(tx.blockNumber).toBeNull();
    expect(tx.valueWei).toBe(0n);
    expect(normalizeTransaction({ ...rpcTx, value: "0x1" }).valueWei).toBe(1n);
  });

  it("falls back to maxFeePerGas when a pending transaction has no gasPrice", () => {
    const { gasPrice: _omitted, ...pending } = rpcTx;
    expect(normalizeTransaction(pending).gasPriceWei).toBe(30_000_000_000n);
    const { maxFeePerGas: _fee, ...noFees } = pending;
    expect(issuesOf(noFees).map((issue) => issue.path)).toEqual(["gasPrice"]);
  });

  it("rejects quantities above 2^256 - 1 and gas above 2^64 - 1", () => {
    expect(normalizeTransaction({ ...rpcTx, value: `0x${"f".repeat(64)}` }).valueWei).toBe(2n ** 256n - 1n);
    expect(issuesOf({ ...rpcTx, value: `0x1${"0".repeat(64)}` }).map((issue) => issue.path)).toEqual([
      "value",
    ]);
    expect(issuesOf({ ...rpcTx, gas: `0x1${"0".repeat(16)}` }).map((issue) => issue.path)).toEqual(["gas"]);
  });

  it("does not accept decimal numbers in the RPC shape", () => {
    expect(issuesOf({ ...rpcTx, gas: 21000 }).map((issue) => issue.path)).toEqual(["gas"]);
  });
});

describe("TransactionInputSchema", () => {
  it("is representable as JSON Schema for the OpenAPI document, extra fields allowed", () => {
    const schema = z.toJSONSchema(TransactionInputSchema, { io: "input" }) as {
      anyOf: { required: string[] }[];
    };
    expect(schema.anyOf).toHaveLength(2);
    expect(schema.anyOf[0]?.required).toEqual(expect.arrayContaining(["hash", "value", "gas", "gasPrice"]));
    expect(TransactionInputSchema.safeParse(rpcTx).success).toBe(true);
  });
});
