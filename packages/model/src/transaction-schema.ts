import { z } from "zod";

/*
 * Input schemas describe what callers may send (they are what the gateway's OpenAPI document shows), so
 * they contain no transforms; normalize-transaction.ts converts units afterwards.
 *
 * Extra fields policy: both shapes are loose objects. Fields we do not use (v, r, s, yParity, chainId,
 * accessList, blockHash, transactionIndex, blobVersionedHashes…) are accepted and ignored, because
 * rejecting them would refuse every real eth_getTransactionByHash response.
 */

// Exported for simple-transaction-check.ts, which must accept nothing these would refuse.
export const HASH_PATTERN = /^0x[0-9a-fA-F]{64}$/;
export const ADDRESS_PATTERN = /^0x[0-9a-fA-F]{40}$/;
export const HEX_DATA_PATTERN = /^0x(?:[0-9a-fA-F]{2})*$/;
const HEX_QUANTITY_PATTERN = /^0x[0-9a-fA-F]+$/;
export const DECIMAL_PATTERN = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
export const INTEGER_PATTERN = /^\d+$/;

const TxHash = z.string().regex(HASH_PATTERN, "must be 0x followed by 64 hex digits");
const Address = z.string().regex(ADDRESS_PATTERN, "must be 0x followed by 40 hex digits");
const HexData = z.string().regex(HEX_DATA_PATTERN, "must be 0x followed by an even number of hex digits");
const HexQuantity = z
  .string()
  .regex(HEX_QUANTITY_PATTERN, "must be a hex quantity such as 0x1bc16d674ec80000");
const DecimalAmount = z.union([
  z.number().nonnegative(),
  z.string().regex(DECIMAL_PATTERN, "must be a non-negative decimal number"),
]);
const Integer = z.union([
  z.number().int().nonnegative(),
  z.string().regex(INTEGER_PATTERN, "must be a non-negative integer"),
]);

/** Classic units: value in ETH, gasPrice in gwei, gas in gas units. */
export const SimpleTransactionInputSchema = z
  .looseObject({
    hash: TxHash,
    value: DecimalAmount.describe("amount transferred, in ETH (number or decimal string, up to 18 decimals)"),
    gas: Integer.describe("gas limit, in gas units"),
    gasPrice: DecimalAmount.describe("gas price, in gwei (up to 9 decimals)"),
    maxFeePerGas: DecimalAmount.describe("EIP-1559 fee cap, in gwei").optional(),
    maxPriorityFeePerGas: DecimalAmount.describe("EIP-1559 priority fee, in gwei").optional(),
    from: Address.optional(),
    to: Address.nullable().optional().describe("null for a contract creation"),
    nonce: Integer.optional(),
    input: HexData.optional().describe("call data; defaults to 0x"),
    blockNumber: Integer.optional(),
    timestamp: Integer.optional().describe("block time, unix seconds"),
  })
  .describe("Transaction in classic units (ETH, gwei, gas)");

/** An Ethereum JSON-RPC transaction object (eth_getTransactionByHash): hex quantities in wei. */
export const RpcTransactionInputSchema = z
  .looseObject({
    hash: TxHash,
    value: HexQuantity.describe("wei"),
    gas: HexQuantity.describe("gas limit"),
    gasPrice: HexQuantity.optional().describe("wei; effective price once mined"),
    maxFeePerGas: HexQuantity.optional().describe("wei (type 2+)"),
    maxPriorityFeePerGas: HexQuantity.optional().describe("wei (type 2+)"),
    from: Address.optional(),
    to: Address.nullable().optional().describe("null for a contract creation"),
    nonce: HexQuantity.optional(),
    input: HexData.optional(),
    blockNumber: HexQuantity.nullable().optional().describe("null while pending"),
    timestamp: HexQuantity.optional().describe("unix seconds; not part of the RPC object, added by indexers"),
    type: HexQuantity.optional().describe(
      "0x0 legacy, 0x1 access list, 0x2 EIP-1559, 0x3 blob, 0x4 set-code",
    ),
  })
  .describe("Ethereum JSON-RPC transaction object (hex quantities in wei)");

/** Either shape; a hex string `value` (0x…) selects the JSON-RPC shape. */
export const TransactionInputSchema = z.union([SimpleTransactionInputSchema, RpcTransactionInputSchema]);

export type SimpleTransactionInput = z.infer<typeof SimpleTransactionInputSchema>;
export type RpcTransactionInput = z.infer<typeof RpcTransactionInputSchema>;
export type TransactionInput = z.infer<typeof TransactionInputSchema>;

/** Shape detection used by normalisation; exported so callers can report which shape they sent. */
export function isRpcShaped(input: unknown): boolean {
  if (typeof input !== "object" || input === null) return false;
  const value = (input as { value?: unknown }).value;
  return typeof value === "string" && /^0x/i.test(value.trim());
}
