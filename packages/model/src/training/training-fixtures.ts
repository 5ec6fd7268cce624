import type { TransactionSummary } from "../features.ts";
import type { NormalizedTransaction } from "../normalize-transaction.ts";

/** The JSON-RPC shape (hex wei) of a transaction: what an export of stored transactions for the CLI holds. */
export function toRpcJson(tx: NormalizedTransaction): string {
  const hex = (value: bigint | number) => `0x${value.toString(16)}`;
  return JSON.stringify({
    hash: tx.hash,
    value: hex(tx.valueWei),
    gas: hex(tx.gas),
    gasPrice: hex(tx.gasPriceWei),
    ...(tx.maxFeePerGasWei === null ? {} : { maxFeePerGas: hex(tx.maxFeePerGasWei) }),
    ...(tx.maxPriorityFeePerGasWei === null ? {} : { maxPriorityFeePerGas: hex(tx.maxPriorityFeePerGasWei) }),
    ...(tx.from === null ? {} : { from: tx.from }),
    to: tx.to,
    ...(tx.nonce === null ? {} : { nonce: hex(tx.nonce) }),
    input: tx.input,
    ...(tx.blockNumber === null ? {} : { blockNumber: hex(tx.blockNumber) }),
    ...(tx.timestamp === null ? {} : { timestamp: hex(tx.timestamp) }),
    ...(tx.txType === null ? {} : { type: hex(tx.txType) }),
  });
}

/** What the store keeps of a transaction (call data reduced to its size), as streamStoredTransactions yields it. */
export function toSummary(tx: NormalizedTransaction): TransactionSummary {
  return {
    valueWei: tx.valueWei,
    gas: tx.gas,
    gasPriceWei: tx.gasPriceWei,
    maxPriorityFeePerGasWei: tx.maxPriorityFeePerGasWei,
    to: tx.to,
    timestamp: tx.timestamp,
    inputSize: (tx.input.length - 2) / 2,
  };
}
