import { safeNormalizeTransaction } from "@chainwatch/model";
import { describe, expect, it } from "vitest";
import { isPermanentRpcError, rpcErrorType } from "./rpc.ts";
import {
  type RawRpcBlock,
  type RawRpcTransaction,
  toFollowedBlock,
  toPendingTransaction,
} from "./rpc-block.ts";

const hash = (digit: string) => `0x${digit.repeat(64)}`;
const SENDER = "0xF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266";

/** Transaction objects as a node returns them, one of each type, written out by hand. */
const base = {
  from: SENDER,
  to: "0x000000000000000000000000000000000000BEEF",
  value: "0xde0b6b3a7640000", // 1 ETH
  gas: "0x5208", // 21000
  nonce: "0x7",
  input: "0x",
  blockNumber: "0x10",
  blockHash: hash("b"),
  transactionIndex: "0x0",
  v: "0x1",
  r: hash("1"),
  s: hash("2"),
};
const legacy: RawRpcTransaction = { ...base, hash: hash("a"), type: "0x0", gasPrice: "0x77359400" };
const eip1559: RawRpcTransaction = {
  ...base,
  hash: hash("c"),
  type: "0x2",
  chainId: "0x1",
  gasPrice: "0x3b9aca00",
  maxFeePerGas: "0xb2d05e00", // 3 gwei
  maxPriorityFeePerGas: "0x3b9aca00", // 1 gwei
  accessList: [],
};
const blob: RawRpcTransaction = {
  ...eip1559,
  hash: hash("d"),
  type: "0x3",
  maxFeePerBlobGas: "0x1",
  blobVersionedHashes: [`0x01${"e".repeat(62)}`],
};
const setCode: RawRpcTransaction = {
  ...eip1559,
  hash: hash("f"),
  type: "0x4",
  to: SENDER,
  authorizationList: [{ chainId: "0x1", address: `0x${"c0de".padStart(40, "0")}`, nonce: "0x8" }],
};
const block: RawRpcBlock = {
  number: "0x10",
  hash: hash("B"),
  parentHash: hash("9"),
  timestamp: "0x6553f100", // 1700000000
  transactions: [legacy, eip1559, blob, setCode],
};

describe("followed blocks", () => {
  const followed = toFollowedBlock(block, 1, 0);

  it("carries the block's number, hashes and time in lower case and numbers", () => {
    expect(followed).toMatchObject({
      chainId: 1,
      number: 16,
      hash: hash("b"),
      parentHash: hash("9"),
      timestamp: 1_700_000_000,
    });
  });

  it("keeps each transaction's content in the JSON-RPC shape, without signatures, with the block's time", () => {
    const [first, , third, fourth] = followed.transactions;
    expect(first).toEqual({
      hash: hash("a"),
      from: SENDER.toLowerCase(),
      to: "0x000000000000000000000000000000000000beef",
      value: "0xde0b6b3a7640000",
      gas: "0x5208",
      gasPrice: "0x77359400",
      nonce: "0x7",
      input: "0x",
      type: "0x0",
      chainId: "0x1",
      blockNumber: "0x10",
      blockHash: hash("b"),
      transactionIndex: "0x0",
      timestamp: "0x6553f100",
    });
    expect(third).toMatchObject({
      type: "0x3",
      maxFeePerBlobGas: "0x1",
      blobVersionedHashes: [`0x01${"e".repeat(62)}`],
    });
    expect(fourth?.authorizationList).toEqual([
      { chainId: "0x1", address: `0x${"c0de".padStart(40, "0")}`, nonce: "0x8" },
    ]);
  });

  it("is read by the model for all four types: amounts in wei, fee caps, type, block and time", () => {
    const read = followed.transactions.map((tx) => safeNormalizeTransaction(tx));
    expect(read.map((result) => result.ok && result.value.txType)).toEqual([0, 2, 3, 4]);
    const [first, second] = read;
    expect(first?.ok && first.value).toMatchObject({
      valueWei: 1_000_000_000_000_000_000n,
      gasPriceWei: 2_000_000_000n,
      maxFeePerGasWei: null,
      blockNumber: 16,
      timestamp: 1_700_000_000,
      from: SENDER.toLowerCase(),
      nonce: 7,
    });
    expect(second?.ok && second.value).toMatchObject({
      maxFeePerGasWei: 3_000_000_000n,
      maxPriorityFeePerGasWei: 1_000_000_000n,
    });
  });

  it("refuses a block fetched without transaction objects", () => {
    expect(() => toFollowedBlock({ ...block, transactions: [hash("a")] }, 1, 0)).toThrow(
      "block 0x10 came without transaction objects",
    );
  });
});

describe("RPC failures", () => {
  it("labels viem's errors through their causes", () => {
    expect(rpcErrorType({ name: "HttpRequestError", status: 429 })).toBe("rate_limited");
    expect(rpcErrorType({ name: "RpcRequestError", code: -32005 })).toBe("rate_limited");
    expect(rpcErrorType({ name: "FallbackError", cause: { name: "TimeoutError" } })).toBe("timeout");
    expect(rpcErrorType({ name: "HttpRequestError", status: 502 })).toBe("http");
    expect(rpcErrorType({ name: "RpcRequestError", code: -32000 })).toBe("rpc");
    expect(rpcErrorType(new Error("socket hang up"))).toBe("other");
  });

  it("gives up at once only on requests the node calls malformed", () => {
    expect(isPermanentRpcError({ cause: { code: -32602 } })).toBe(true);
    expect(isPermanentRpcError({ code: -32601 })).toBe(true);
    expect(isPermanentRpcError({ name: "HttpRequestError", status: 429 })).toBe(false);
    expect(isPermanentRpcError({ code: -32000 })).toBe(false);
  });
});

describe("toPendingTransaction", () => {
  const pending: RawRpcTransaction = {
    ...eip1559,
    blockNumber: null,
    blockHash: null,
    transactionIndex: null,
    gasPrice: "0xb2d05e00",
  };

  it("keeps the signed content, marks it pending, and carries no block, block hash, index or time", () => {
    const tx = toPendingTransaction(pending, 1);
    expect(tx).toEqual({
      hash: hash("c"),
      from: SENDER.toLowerCase(),
      to: "0x000000000000000000000000000000000000beef",
      value: "0xde0b6b3a7640000",
      gas: "0x5208",
      gasPrice: "0xb2d05e00",
      maxFeePerGas: "0xb2d05e00",
      maxPriorityFeePerGas: "0x3b9aca00",
      nonce: "0x7",
      input: "0x",
      type: "0x2",
      chainId: "0x1",
      blockNumber: null,
      status: "pending",
    });
    const normalized = safeNormalizeTransaction(tx);
    expect(normalized.ok && [normalized.value.blockNumber, normalized.value.timestamp]).toEqual([null, null]);
  });

  it("gives the same content however often the node announces it", () => {
    expect(toPendingTransaction(pending, 1)).toEqual(toPendingTransaction({ ...pending }, 1));
  });
});
