import {
  ADDRESS_PATTERN,
  DECIMAL_PATTERN,
  HASH_PATTERN,
  HEX_DATA_PATTERN,
  INTEGER_PATTERN,
  type SimpleTransactionInput,
} from "./transaction-schema.ts";

/*
 * A plain check for the common case: a simple-shape transaction that SimpleTransactionInputSchema would
 * accept and return unchanged (the schema has no transforms; extra fields are allowed and ignored). It
 * only ever says yes to a subset of what the schema accepts, so when it says no, the schema decides and
 * writes the error messages. zod's generic walk was ~14 % of the gateway's CPU on a 1000-item batch; this
 * is a handful of typeof checks and the same regular expressions.
 *
 * Not handled here, so the schema and normalisation decide: the original API's field names (FIELD_ALIASES in
 * transaction-schema.ts:
 * a gas_price instead of gasPrice, or a field and its alias that may disagree) and ISO-8601 timestamps (a
 * timestamp is accepted here only as unix seconds).
 */

/**
 * Every key of FIELD_ALIASES (the test checks it), each read by name: a loop of keyed reads over the list
 * was part of a measured slowdown of normalisation (see `aliased` in normalize-transaction.ts).
 */
const hasNoAlias = (tx: Record<string, unknown>): boolean =>
  tx.from_address === undefined &&
  tx.to_address === undefined &&
  tx.gas_price === undefined &&
  tx.max_fee_per_gas === undefined &&
  tx.max_priority_fee_per_gas === undefined &&
  tx.block_number === undefined &&
  tx.block_timestamp === undefined;

const isDecimalAmount = (value: unknown): boolean =>
  typeof value === "number"
    ? Number.isFinite(value) && value >= 0
    : typeof value === "string" && DECIMAL_PATTERN.test(value);

const isInteger = (value: unknown): boolean =>
  typeof value === "number"
    ? Number.isSafeInteger(value) && value >= 0
    : typeof value === "string" && INTEGER_PATTERN.test(value);

const isAddress = (value: unknown): boolean => typeof value === "string" && ADDRESS_PATTERN.test(value);

/** True only if SimpleTransactionInputSchema would accept `input` as it is (see above). */
export function isPlainSimpleTransaction(input: unknown): input is SimpleTransactionInput {
  if (typeof input !== "object" || input === null || Object.getPrototypeOf(input) !== Object.prototype) {
    return false;
  }
  const tx = input as Record<string, unknown>;
  return (
    typeof tx.hash === "string" &&
    HASH_PATTERN.test(tx.hash) &&
    isDecimalAmount(tx.value) &&
    isInteger(tx.gas) &&
    isDecimalAmount(tx.gasPrice) &&
    (tx.maxFeePerGas === undefined || isDecimalAmount(tx.maxFeePerGas)) &&
    (tx.maxPriorityFeePerGas === undefined || isDecimalAmount(tx.maxPriorityFeePerGas)) &&
    (tx.from === undefined || isAddress(tx.from)) &&
    (tx.to === undefined || tx.to === null || isAddress(tx.to)) &&
    (tx.nonce === undefined || isInteger(tx.nonce)) &&
    (tx.input === undefined || (typeof tx.input === "string" && HEX_DATA_PATTERN.test(tx.input))) &&
    (tx.blockNumber === undefined || isInteger(tx.blockNumber)) &&
    (tx.timestamp === undefined || isInteger(tx.timestamp)) &&
    hasNoAlias(tx)
  );
}
