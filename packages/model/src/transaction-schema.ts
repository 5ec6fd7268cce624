import { z } from "zod";
import { MAX_TIMESTAMP_SECONDS, timestampInputMessage } from "./timestamp.ts";

/*
 * Input schemas describe what callers may send (they are what the gateway's OpenAPI document shows), so
 * they contain no transforms; normalize-transaction.ts converts units afterwards.
 *
 * Extra fields policy: both shapes are loose objects. Fields we do not use (v, r, s, yParity, chainId,
 * accessList, blockHash, transactionIndex, blobVersionedHashes…) are accepted and ignored, because
 * rejecting them would refuse every real eth_getTransactionByHash response.
 */

/**
 * The original API's snake_case names, accepted in both shapes as a second name of the field, with that
 * field's format and unit (gas_price is gwei in the simple shape, a hex quantity of wei in the JSON-RPC one).
 * A field and its alias sent together must carry the same value once normalised (an address in either case,
 * 20 and "20" gwei, an ISO date-time and its unix seconds); different values are refused, naming both fields,
 * rather than one picked silently (normalize-transaction.ts). Names that are the same in both APIs (hash,
 * value, gas, nonce, input) need no alias.
 */
export const FIELD_ALIASES = {
  from_address: "from",
  to_address: "to",
  gas_price: "gasPrice",
  max_fee_per_gas: "maxFeePerGas",
  max_priority_fee_per_gas: "maxPriorityFeePerGas",
  block_number: "blockNumber",
  block_timestamp: "timestamp",
} as const;
export type FieldAlias = keyof typeof FIELD_ALIASES;
export type AliasedField = (typeof FIELD_ALIASES)[FieldAlias];
/** The alias of each aliased field: `ALIAS_OF.gasPrice === "gas_price"`. */
export const ALIAS_OF = Object.fromEntries(
  Object.entries(FIELD_ALIASES).map(([alias, field]) => [field, alias]),
) as Record<AliasedField, FieldAlias>;

/** An alias of each field (FIELD_ALIASES): the field's own schema, described as the alias. */
function aliasesOf<F extends Record<AliasedField, z.ZodType>>(
  fields: F,
): { [A in FieldAlias]: F[(typeof FIELD_ALIASES)[A]] } {
  const aliases = Object.entries(FIELD_ALIASES).map(([alias, field]) => [
    alias,
    fields[field].describe(
      `alias of ${field} (same format and unit); do not send both with different values`,
    ),
  ]);
  return Object.fromEntries(aliases) as { [A in FieldAlias]: F[(typeof FIELD_ALIASES)[A]] };
}

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
// Syntax only (calendar included: 2024-02-30 fails); range and the unix seconds are timestamp.ts's.
const IsoDateTime = z.iso.datetime({ offset: true });
const TIMESTAMP_DESCRIPTION = `block time: unix seconds (at most ${MAX_TIMESTAMP_SECONDS}; milliseconds are refused) or an ISO-8601 date-time with Z or an offset (2024-05-01T14:00:00+02:00; a fraction of a second is dropped)`;
const SimpleTimestamp = z
  .union([...Integer.options, IsoDateTime], {
    error: (issue) => timestampInputMessage(issue.input, "decimal"),
  })
  .describe(TIMESTAMP_DESCRIPTION);

const simpleAliasedFields = {
  gasPrice: DecimalAmount.describe("gas price, in gwei (up to 9 decimals)").optional(),
  maxFeePerGas: DecimalAmount.describe("EIP-1559 fee cap, in gwei").optional(),
  maxPriorityFeePerGas: DecimalAmount.describe("EIP-1559 priority fee, in gwei").optional(),
  from: Address.optional(),
  to: Address.nullable().optional().describe("null for a contract creation"),
  blockNumber: Integer.optional(),
  timestamp: SimpleTimestamp.optional(),
};

/**
 * Classic units: value in ETH, gasPrice in gwei, gas in gas units. gasPrice or its alias gas_price is
 * required: normalisation checks it (so it is listed with every other bad field), and TransactionInputSchema
 * documents it as two variants.
 */
export const SimpleTransactionInputSchema = z
  .looseObject({
    hash: TxHash,
    value: DecimalAmount.describe("amount transferred, in ETH (number or decimal string, up to 18 decimals)"),
    gas: Integer.describe("gas limit, in gas units"),
    ...simpleAliasedFields,
    nonce: Integer.optional(),
    input: HexData.optional().describe("call data; defaults to 0x"),
    ...aliasesOf(simpleAliasedFields),
  })
  .describe("Transaction in classic units (ETH, gwei, gas)");

const rpcAliasedFields = {
  gasPrice: HexQuantity.optional().describe("wei; effective price once mined"),
  maxFeePerGas: HexQuantity.optional().describe("wei (type 2+)"),
  maxPriorityFeePerGas: HexQuantity.optional().describe("wei (type 2+)"),
  from: Address.optional(),
  to: Address.nullable().optional().describe("null for a contract creation"),
  blockNumber: HexQuantity.nullable().optional().describe("null while pending"),
  timestamp: z
    .union([HexQuantity, IsoDateTime], { error: (issue) => timestampInputMessage(issue.input, "hex") })
    .optional()
    .describe(`${TIMESTAMP_DESCRIPTION}; not part of the RPC object, added by indexers`),
};

/** An Ethereum JSON-RPC transaction object (eth_getTransactionByHash): hex quantities in wei. */
export const RpcTransactionInputSchema = z
  .looseObject({
    hash: TxHash,
    value: HexQuantity.describe("wei"),
    gas: HexQuantity.describe("gas limit"),
    ...rpcAliasedFields,
    nonce: HexQuantity.optional(),
    input: HexData.optional(),
    type: HexQuantity.optional().describe(
      "0x0 legacy, 0x1 access list, 0x2 EIP-1559, 0x3 blob, 0x4 set-code",
    ),
    ...aliasesOf(rpcAliasedFields),
  })
  .describe("Ethereum JSON-RPC transaction object (hex quantities in wei)");

/**
 * What callers may send, as the OpenAPI document shows it: the simple shape with gasPrice, the simple shape
 * with its alias gas_price instead, or the JSON-RPC shape (a hex string `value`, 0x…, selects it).
 * Documentation only: normalisation validates with the two shape schemas above.
 */
export const TransactionInputSchema = z.union([
  SimpleTransactionInputSchema.required({ gasPrice: true }).describe(
    "Transaction in classic units (ETH, gwei, gas)",
  ),
  SimpleTransactionInputSchema.required({ gas_price: true }).describe(
    "Transaction in classic units, gas price under the original API's name gas_price",
  ),
  RpcTransactionInputSchema,
]);

export type SimpleTransactionInput = z.infer<typeof SimpleTransactionInputSchema>;
export type RpcTransactionInput = z.infer<typeof RpcTransactionInputSchema>;
export type TransactionInput = z.infer<typeof TransactionInputSchema>;

/** Shape detection used by normalisation; exported so callers can report which shape they sent. */
export function isRpcShaped(input: unknown): boolean {
  if (typeof input !== "object" || input === null) return false;
  const value = (input as { value?: unknown }).value;
  return typeof value === "string" && /^0x/i.test(value.trim());
}
