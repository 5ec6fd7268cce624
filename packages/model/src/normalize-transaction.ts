import type { z } from "zod";
import { TransactionValidationError, type ValidationIssue } from "./errors.ts";
import { isPlainSimpleTransaction } from "./simple-transaction-check.ts";
import {
  isRpcShaped,
  type RpcTransactionInput,
  RpcTransactionInputSchema,
  type SimpleTransactionInput,
  SimpleTransactionInputSchema,
} from "./transaction-schema.ts";
import {
  ETH_DECIMALS,
  GWEI_DECIMALS,
  MAX_UINT64,
  MAX_UINT256,
  numberToUnits,
  type ParseResult,
  parseDecimalUnits,
  parseHexQuantity,
} from "./units.ts";

/** Every amount in wei as bigint; see units.ts for the wire units each shape uses. */
export type NormalizedTransaction = {
  hash: string;
  valueWei: bigint;
  gas: bigint;
  gasPriceWei: bigint;
  maxFeePerGasWei: bigint | null;
  maxPriorityFeePerGasWei: bigint | null;
  from: string | null;
  to: string | null;
  nonce: number | null;
  input: string;
  blockNumber: number | null;
  timestamp: number | null;
  txType: number | null;
};

export type NormalizeResult =
  | { ok: true; value: NormalizedTransaction }
  | { ok: false; error: TransactionValidationError };

export function normalizeTransaction(input: unknown): NormalizedTransaction {
  const result = safeNormalizeTransaction(input);
  if (!result.ok) throw result.error;
  return result.value;
}

export function safeNormalizeTransaction(input: unknown): NormalizeResult {
  const rpc = isRpcShaped(input);
  let data: RpcTransactionInput | SimpleTransactionInput;
  // What the simple schema would accept unchanged skips zod's walk; anything else, it decides.
  if (!rpc && isPlainSimpleTransaction(input)) data = input;
  else {
    const parsed = rpc
      ? RpcTransactionInputSchema.safeParse(input)
      : SimpleTransactionInputSchema.safeParse(input);
    if (!parsed.success) {
      return {
        ok: false,
        error: new TransactionValidationError(zodIssues(parsed.error), { cause: parsed.error }),
      };
    }
    data = parsed.data;
  }
  const issues: ValidationIssue[] = [];
  const value = rpc
    ? fromRpc(data as RpcTransactionInput, issues)
    : fromSimple(data as SimpleTransactionInput, issues);
  if (issues.length > 0 || value === null)
    return { ok: false, error: new TransactionValidationError(issues) };
  return { ok: true, value };
}

type Amount = number | string;

function fromSimple(tx: SimpleTransactionInput, issues: ValidationIssue[]): NormalizedTransaction | null {
  const valueWei = amount("value", tx.value, ETH_DECIMALS, MAX_UINT256, issues);
  const gas = amount("gas", tx.gas, 0, MAX_UINT64, issues);
  const gasPriceWei = amount("gasPrice", tx.gasPrice, GWEI_DECIMALS, MAX_UINT256, issues);
  const maxFee = optionalAmount("maxFeePerGas", tx.maxFeePerGas, GWEI_DECIMALS, issues);
  const maxPriority = optionalAmount("maxPriorityFeePerGas", tx.maxPriorityFeePerGas, GWEI_DECIMALS, issues);
  const nonce = optionalSafeInteger("nonce", tx.nonce, issues);
  const blockNumber = optionalSafeInteger("blockNumber", tx.blockNumber, issues);
  const timestamp = optionalSafeInteger("timestamp", tx.timestamp, issues);
  if (valueWei === null || gas === null || gasPriceWei === null || issues.length > 0) return null;
  return {
    hash: tx.hash.toLowerCase(),
    valueWei,
    gas,
    gasPriceWei,
    maxFeePerGasWei: maxFee,
    maxPriorityFeePerGasWei: maxPriority,
    from: tx.from?.toLowerCase() ?? null,
    to: tx.to?.toLowerCase() ?? null,
    nonce,
    input: (tx.input ?? "0x").toLowerCase(),
    blockNumber,
    timestamp,
    txType: null,
  };
}

function fromRpc(tx: RpcTransactionInput, issues: ValidationIssue[]): NormalizedTransaction | null {
  const valueWei = hex("value", tx.value, MAX_UINT256, issues);
  const gas = hex("gas", tx.gas, MAX_UINT64, issues);
  const gasPrice = tx.gasPrice === undefined ? null : hex("gasPrice", tx.gasPrice, MAX_UINT256, issues);
  const maxFee =
    tx.maxFeePerGas === undefined ? null : hex("maxFeePerGas", tx.maxFeePerGas, MAX_UINT256, issues);
  const maxPriority =
    tx.maxPriorityFeePerGas === undefined
      ? null
      : hex("maxPriorityFeePerGas", tx.maxPriorityFeePerGas, MAX_UINT256, issues);
  const nonce = optionalHexSafeInteger("nonce", tx.nonce, issues);
  const blockNumber = optionalHexSafeInteger("blockNumber", tx.blockNumber ?? undefined, issues);
  const timestamp = optionalHexSafeInteger("timestamp", tx.timestamp, issues);
  const txType = optionalHexSafeInteger("type", tx.type, issues);
  // A pending EIP-1559 transaction may omit gasPrice; its fee cap is the most it can pay per gas.
  const gasPriceWei = gasPrice ?? maxFee;
  if (gasPriceWei === null && tx.gasPrice === undefined && tx.maxFeePerGas === undefined) {
    issues.push({ path: "gasPrice", message: "gasPrice or maxFeePerGas is required" });
  }
  if (valueWei === null || gas === null || gasPriceWei === null || issues.length > 0) return null;
  return {
    hash: tx.hash.toLowerCase(),
    valueWei,
    gas,
    gasPriceWei,
    maxFeePerGasWei: maxFee,
    maxPriorityFeePerGasWei: maxPriority,
    from: tx.from?.toLowerCase() ?? null,
    to: tx.to?.toLowerCase() ?? null,
    nonce,
    input: (tx.input ?? "0x").toLowerCase(),
    blockNumber,
    timestamp,
    txType,
  };
}

function amount(
  path: string,
  raw: Amount,
  decimals: number,
  max: bigint,
  issues: ValidationIssue[],
): bigint | null {
  const parsed = typeof raw === "number" ? numberToUnits(raw, decimals) : parseDecimalUnits(raw, decimals);
  return checked(path, parsed, max, issues);
}

function optionalAmount(path: string, raw: Amount | undefined, decimals: number, issues: ValidationIssue[]) {
  return raw === undefined ? null : amount(path, raw, decimals, MAX_UINT256, issues);
}

function hex(path: string, raw: string, max: bigint, issues: ValidationIssue[]): bigint | null {
  return checked(path, parseHexQuantity(raw), max, issues);
}

function checked(path: string, parsed: ParseResult, max: bigint, issues: ValidationIssue[]): bigint | null {
  if (!parsed.ok) {
    issues.push({ path, message: parsed.message });
    return null;
  }
  if (parsed.value > max) {
    issues.push({ path, message: `too large (maximum ${max === MAX_UINT64 ? "2^64-1" : "2^256-1"})` });
    return null;
  }
  return parsed.value;
}

function optionalSafeInteger(
  path: string,
  raw: Amount | undefined,
  issues: ValidationIssue[],
): number | null {
  if (raw === undefined) return null;
  return toSafeInteger(
    path,
    typeof raw === "number" ? numberToUnits(raw, 0) : parseDecimalUnits(raw, 0),
    issues,
  );
}

function optionalHexSafeInteger(
  path: string,
  raw: string | undefined,
  issues: ValidationIssue[],
): number | null {
  return raw === undefined ? null : toSafeInteger(path, parseHexQuantity(raw), issues);
}

function toSafeInteger(path: string, parsed: ParseResult, issues: ValidationIssue[]): number | null {
  if (!parsed.ok) {
    issues.push({ path, message: parsed.message });
    return null;
  }
  if (parsed.value > BigInt(Number.MAX_SAFE_INTEGER)) {
    issues.push({ path, message: "too large (maximum 2^53-1)" });
    return null;
  }
  return Number(parsed.value);
}

function zodIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    // A union (number | decimal string) reports only "Invalid input"; its branches say what was expected.
    message:
      issue.code === "invalid_union" && issue.errors.length > 0
        ? [...new Set(issue.errors.flat().map((branch) => branch.message))].join(" or ")
        : issue.message,
  }));
}
