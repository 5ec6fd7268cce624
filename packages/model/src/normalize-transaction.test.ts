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

describe("timestamps", () => {
  const simple = { hash: HASH, value: 1, gas: 21_000, gasPrice: 20 };
  const timestampOf = (input: object) => normalizeTransaction(input).timestamp;

  it.each([
    ["Z", "2024-05-01T12:00:00Z"],
    ["a +02:00 offset", "2024-05-01T14:00:00+02:00"],
    ["a -05:30 offset", "2024-05-01T06:30:00-05:30"],
    ["fractional seconds (dropped)", "2024-05-01T12:00:00.999Z"],
    ["nanoseconds and a zero offset", "2024-05-01T12:00:00.000000001+00:00"],
  ])("reads an ISO-8601 date-time with %s as unix seconds, in both shapes", (_name, iso) => {
    expect(timestampOf({ ...simple, timestamp: iso })).toBe(1_714_564_800);
    expect(timestampOf({ ...rpcTx, timestamp: iso })).toBe(1_714_564_800);
  });

  it("keeps unix seconds working as before: number, digit string, hex quantity", () => {
    expect(timestampOf({ ...simple, timestamp: 1_714_564_800 })).toBe(1_714_564_800);
    expect(timestampOf({ ...simple, timestamp: "1714564800" })).toBe(1_714_564_800);
    expect(timestampOf({ ...rpcTx, timestamp: "0x66322ec0" })).toBe(1_714_564_800);
    expect(timestampOf({ ...simple, timestamp: 0 })).toBe(0);
  });

  it.each([
    ["no time zone", "2024-05-01T12:00:00", /no time zone, so the instant is ambiguous/],
    ["an impossible date", "2024-02-30T12:00:00Z", /2024-02-30 is not a date/],
    ["an impossible time", "2024-05-01T24:00:00Z", /24:00:00 is not a time of day/],
    ["garbage", "last tuesday", /must be unix seconds as .*, or an ISO-8601 date-time with Z or an offset/],
    ["a date without a time", "2024-05-01", /must be unix seconds/],
    ["a date-time before 1970", "1969-12-31T23:59:59Z", /^before 1970-01-01T00:00:00Z/],
    ["a date-time after 5138-11-16T09:46:39Z", "6000-01-01T00:00:00Z", /^after 5138-11-16T09:46:39Z/],
    ["milliseconds", 1_714_564_800_000, /too large for unix seconds .* milliseconds are not accepted/],
    ["milliseconds as digits", "1714564800000", /milliseconds are not accepted/],
    ["fractional seconds as a number", 1_714_564_800.5, /must be unix seconds/],
    ["null", null, /must be unix seconds/],
  ])("refuses %s with one issue on timestamp (simple shape)", (_name, timestamp, message) => {
    const issues = issuesOf({ ...simple, timestamp });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe("timestamp");
    expect(issues[0]?.message).toMatch(message);
  });

  it.each([
    ["no time zone", "2024-05-01T12:00:00", /no time zone/],
    ["an impossible date", "2023-02-29T00:00:00Z", /2023-02-29 is not a date/],
    ["garbage", "0xzz", /must be unix seconds as a hex quantity \(0x…\), or an ISO-8601 date-time/],
    ["decimal seconds", "1714564800", /must be unix seconds as a hex quantity/],
    ["milliseconds", "0x18f34b5f400", /too large for unix seconds/],
  ])("refuses %s with one issue on timestamp (JSON-RPC shape)", (_name, timestamp, message) => {
    const issues = issuesOf({ ...rpcTx, timestamp });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe("timestamp");
    expect(issues[0]?.message).toMatch(message);
  });
});

describe("field aliases of the original API", () => {
  const simple = { hash: HASH, value: 1, gas: 21_000, gasPrice: 20 };
  const TO = "0x00000000219ab540356cBB839Cbe05303d7705Fa";

  it("reads every alias in the simple shape, with the field's unit", () => {
    const { gasPrice: _canonical, ...withoutGasPrice } = simple;
    const tx = normalizeTransaction({
      ...withoutGasPrice,
      from_address: FROM,
      to_address: TO,
      gas_price: "20.5",
      max_fee_per_gas: 30,
      max_priority_fee_per_gas: "1.5",
      block_number: 19_000_000,
      block_timestamp: "2024-05-01T14:00:00+02:00",
    });
    expect(tx).toEqual({
      hash: HASH.toLowerCase(),
      valueWei: 1_000_000_000_000_000_000n,
      gas: 21_000n,
      gasPriceWei: 20_500_000_000n,
      maxFeePerGasWei: 30_000_000_000n,
      maxPriorityFeePerGasWei: 1_500_000_000n,
      from: "0x742d35cc6634c0532925a3b844bc454e4438f44e",
      to: "0x00000000219ab540356cbb839cbe05303d7705fa",
      nonce: null,
      input: "0x",
      blockNumber: 19_000_000,
      timestamp: 1_714_564_800,
      txType: null,
    });
  });

  it("reads every alias in the JSON-RPC shape, with the field's unit", () => {
    const { from, to, gasPrice, maxFeePerGas, maxPriorityFeePerGas, blockNumber, ...rest } = rpcTx;
    const tx = normalizeTransaction({
      ...rest,
      from_address: from,
      to_address: to,
      gas_price: gasPrice,
      max_fee_per_gas: maxFeePerGas,
      max_priority_fee_per_gas: maxPriorityFeePerGas,
      block_number: blockNumber,
      block_timestamp: "2024-05-01T06:30:00-05:30",
    });
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
      timestamp: 1_714_564_800,
      txType: 2,
    });
    expect(normalizeTransaction({ ...rest, gasPrice, block_number: null }).blockNumber).toBeNull();
    expect(normalizeTransaction({ ...rest, to_address: null, gasPrice }).to).toBeNull();
  });

  it("accepts a field and its alias with the same value, however it is written", () => {
    const tx = normalizeTransaction({
      ...simple,
      gas_price: "20.000",
      from: FROM,
      from_address: FROM.toLowerCase(),
      timestamp: 1_714_564_800,
      block_timestamp: "2024-05-01T14:00:00.250+02:00",
      blockNumber: "7",
      block_number: 7,
    });
    expect([tx.gasPriceWei, tx.from, tx.timestamp, tx.blockNumber]).toEqual([
      20_000_000_000n,
      "0x742d35cc6634c0532925a3b844bc454e4438f44e",
      1_714_564_800,
      7,
    ]);
  });

  it("refuses a field and its alias with different values, naming both, in either shape", () => {
    const other = `0x${"9".repeat(40)}`;
    expect(issuesOf({ ...simple, from: FROM, from_address: other })).toEqual([
      {
        path: "from",
        message: `from and its alias from_address are both given, with different values ("${FROM}" and "${other}"); send one, or the same value in both`,
      },
    ]);
    expect(issuesOf({ ...simple, gas_price: 21 })).toEqual([
      {
        path: "gasPrice",
        message:
          "gasPrice and its alias gas_price are both given, with different values (20 and 21); send one, or the same value in both",
      },
    ]);
    // "<path>: <the fields named>", the message cut before the values.
    const conflicts = (input: object) =>
      issuesOf(input).map((issue) => `${issue.path}: ${issue.message.split(" are both given")[0]}`);
    expect(conflicts({ ...simple, to: null, to_address: other })).toEqual([
      "to: to and its alias to_address",
    ]);
    expect(
      conflicts({ ...simple, timestamp: 1_714_564_800, block_timestamp: "2024-05-01T12:00:01Z" }),
    ).toEqual(["timestamp: timestamp and its alias block_timestamp"]);
    expect(conflicts({ ...rpcTx, block_number: null })).toEqual([
      "blockNumber: blockNumber and its alias block_number",
    ]);
    expect(conflicts({ ...rpcTx, max_fee_per_gas: "0x1" })).toEqual([
      "maxFeePerGas: maxFeePerGas and its alias max_fee_per_gas",
    ]);
  });

  it("reports a bad alias under the alias's name, and a missing gas price with its alias", () => {
    expect(issuesOf({ ...simple, from_address: "0xnothex" }).map((issue) => issue.path)).toEqual([
      "from_address",
    ]);
    expect(issuesOf({ ...simple, block_timestamp: "2024-05-01T12:00:00" })).toEqual([
      {
        path: "block_timestamp",
        message:
          'no time zone, so the instant is ambiguous; add Z (UTC) or an offset such as +02:00: "2024-05-01T12:00:00"',
      },
    ]);
    const { gasPrice: _omitted, ...noGasPrice } = simple;
    expect(issuesOf(noGasPrice)).toEqual([
      { path: "gasPrice", message: "required (or its alias gas_price)" },
    ]);
    const { gasPrice: _rpcGasPrice, maxFeePerGas: _fee, ...noRpcFees } = rpcTx;
    expect(issuesOf(noRpcFees)).toEqual([
      {
        path: "gasPrice",
        message: "gasPrice or maxFeePerGas is required (or their aliases gas_price, max_fee_per_gas)",
      },
    ]);
    expect(normalizeTransaction({ ...noRpcFees, max_fee_per_gas: "0x6fc23ac00" }).gasPriceWei).toBe(
      30_000_000_000n,
    );
  });
});

describe("TransactionInputSchema", () => {
  it("is representable as JSON Schema for the OpenAPI document, extra fields allowed, aliases documented", () => {
    const schema = z.toJSONSchema(TransactionInputSchema, { io: "input" }) as {
      anyOf: { required: string[]; properties: Record<string, { description?: string }> }[];
    };
    expect(schema.anyOf).toHaveLength(3);
    expect(schema.anyOf[0]?.required).toEqual(expect.arrayContaining(["hash", "value", "gas", "gasPrice"]));
    expect(schema.anyOf[1]?.required).toEqual(expect.arrayContaining(["hash", "value", "gas", "gas_price"]));
    expect(schema.anyOf[1]?.required).not.toContain("gasPrice");
    for (const variant of schema.anyOf) {
      expect(Object.keys(variant.properties)).toEqual(
        expect.arrayContaining([
          "from_address",
          "to_address",
          "gas_price",
          "max_fee_per_gas",
          "max_priority_fee_per_gas",
          "block_number",
          "block_timestamp",
        ]),
      );
      expect(variant.properties.from_address?.description).toMatch(/^alias of from/);
      expect(variant.properties.timestamp?.description).toMatch(/ISO-8601/);
    }
    expect(TransactionInputSchema.safeParse(rpcTx).success).toBe(true);
    const simple = { hash: HASH, value: 1, gas: 21_000 };
    expect(TransactionInputSchema.safeParse({ ...simple, gas_price: 20 }).success).toBe(true);
    expect(TransactionInputSchema.safeParse({ ...simple, gasPrice: 20 }).success).toBe(true);
    expect(TransactionInputSchema.safeParse(simple).success).toBe(false);
  });
});
