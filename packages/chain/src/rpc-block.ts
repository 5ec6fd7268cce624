import { numberToHex } from "viem";

/** A transaction object as `eth_getBlockByNumber(n, true)` returns it: hex quantities, lower-case hex data. */
export interface RawRpcTransaction {
  hash: string;
  from: string;
  to: string | null;
  value: string;
  gas: string;
  gasPrice?: string;
  maxFeePerGas?: string;
  maxPriorityFeePerGas?: string;
  maxFeePerBlobGas?: string;
  nonce: string;
  input: string;
  type?: string;
  chainId?: string;
  blockNumber: string | null;
  blockHash: string | null;
  transactionIndex: string | null;
  blobVersionedHashes?: string[];
  authorizationList?: unknown[];
  [field: string]: unknown;
}

export interface RawRpcBlock {
  number: string;
  hash: string;
  parentHash: string;
  timestamp: string;
  /** Full objects when fetched with `true`, hashes otherwise. */
  transactions: RawRpcTransaction[] | string[];
}

/**
 * The pipeline's JSON-RPC input shape (@chainwatch/model `RpcTransactionInputSchema`), plus the block's
 * timestamp, which the RPC transaction object lacks and the model's time features read. Signature fields
 * (v, r, s, yParity) and the access list are dropped: nothing downstream reads them and they are most of a
 * transaction's bytes; the blob hashes and the set-code authorisations are kept as the transaction's content.
 */
export type PipelineTransaction = Record<string, unknown> & { hash: string; from: string };

export interface FollowedBlock {
  chainId: number;
  number: number;
  hash: string;
  parentHash: string;
  /** Unix seconds. */
  timestamp: number;
  transactions: PipelineTransaction[];
  /** performance.now() when the follower first learnt that the block exists (block-to-score latency). */
  seenAtMs: number;
}

const KEPT_FIELDS = [
  "hash",
  "from",
  "to",
  "value",
  "gas",
  "gasPrice",
  "maxFeePerGas",
  "maxPriorityFeePerGas",
  "maxFeePerBlobGas",
  "nonce",
  "input",
  "type",
  "chainId",
  "blockNumber",
  "blockHash",
  "transactionIndex",
  "blobVersionedHashes",
  "authorizationList",
] as const;

export function toPipelineTransaction(
  tx: RawRpcTransaction,
  block: Pick<RawRpcBlock, "number" | "hash" | "timestamp">,
  chainId: number,
): PipelineTransaction {
  const out: Record<string, unknown> = {};
  for (const field of KEPT_FIELDS) {
    const value = tx[field];
    if (value !== undefined) out[field] = value;
  }
  out.hash = tx.hash.toLowerCase();
  out.from = tx.from.toLowerCase();
  if (typeof tx.to === "string") out.to = tx.to.toLowerCase();
  // Pre-EIP-155 legacy transactions carry no chain id; the chain they were read from is the answer.
  out.chainId ??= numberToHex(chainId);
  out.blockNumber ??= block.number;
  out.blockHash ??= block.hash;
  out.timestamp = block.timestamp;
  return out as PipelineTransaction;
}

export function toFollowedBlock(block: RawRpcBlock, chainId: number, seenAtMs: number): FollowedBlock {
  const transactions = (block.transactions as (RawRpcTransaction | string)[]).map((tx) => {
    if (typeof tx === "string") throw new Error(`block ${block.number} came without transaction objects`);
    return toPipelineTransaction(tx, block, chainId);
  });
  return {
    chainId,
    number: Number(BigInt(block.number)),
    hash: block.hash.toLowerCase(),
    parentHash: block.parentHash.toLowerCase(),
    timestamp: Number(BigInt(block.timestamp)),
    transactions,
    seenAtMs,
  };
}

/**
 * A pending transaction (no block yet) in the pipeline's input shape, marked `status: "pending"`: no
 * block number, hash or time, so its content (and fingerprint) is the same however often the node
 * announces it, and the mined content that later replaces it differs only in the block (see the store's
 * "mined after pending" rule).
 */
export function toPendingTransaction(tx: RawRpcTransaction, chainId: number): PipelineTransaction {
  const out: Record<string, unknown> = {};
  for (const field of KEPT_FIELDS) {
    const value = tx[field];
    if (value !== undefined) out[field] = value;
  }
  out.hash = tx.hash.toLowerCase();
  out.from = tx.from.toLowerCase();
  if (typeof tx.to === "string") out.to = tx.to.toLowerCase();
  out.chainId ??= numberToHex(chainId);
  out.blockNumber = null;
  delete out.blockHash;
  delete out.transactionIndex;
  out.status = "pending";
  return out as PipelineTransaction;
}
