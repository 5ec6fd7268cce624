import { hash } from "node:crypto";
import type { NormalizedTransaction } from "./normalize-transaction.ts";

/**
 * Part of the encoding: changing the field list or how a field is written means a new version, and with it
 * new fingerprints everywhere (prediction cache keys, stored rows), never the old value for new content.
 */
export const CONTENT_FINGERPRINT_VERSION = 1;

/**
 * The canonical field list, in encoding order: every field of NormalizedTransaction. That covers what
 * determines the score (amounts, gas, fees, recipient, call data) and everything stored (addresses, nonce,
 * block, timestamp, type), plus the hash itself, so a fingerprint is bound to its transaction. The whole
 * call data is included, not only the size and selector the features read: a real transaction hash commits
 * to every byte of it.
 */
export const CONTENT_FINGERPRINT_FIELDS = [
  "hash",
  "valueWei",
  "gas",
  "gasPriceWei",
  "maxFeePerGasWei",
  "maxPriorityFeePerGasWei",
  "from",
  "to",
  "nonce",
  "input",
  "blockNumber",
  "timestamp",
  "txType",
] as const satisfies readonly (keyof NormalizedTransaction)[];

// A field added to NormalizedTransaction fails type-checking here until it is placed in the list above.
type Unlisted = Exclude<keyof NormalizedTransaction, (typeof CONTENT_FINGERPRINT_FIELDS)[number]>;
const everyFieldListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyFieldListed;

/** 43 base64url characters: the whole SHA-256 digest (256 bits), no padding. */
export const CONTENT_FINGERPRINT_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The canonical encoding: a JSON array of the version and the fields in CONTENT_FINGERPRINT_FIELDS order;
 * amounts as decimal strings (bigint has no JSON form, and a double would round them), absent values as
 * null, text as normalisation left it (lower-case hex). JSON keeps it unambiguous: strings are quoted, so
 * no field's content can imitate a separator or a neighbouring field.
 */
export function canonicalContent(tx: NormalizedTransaction): string {
  return JSON.stringify([
    CONTENT_FINGERPRINT_VERSION,
    tx.hash,
    tx.valueWei.toString(),
    tx.gas.toString(),
    tx.gasPriceWei.toString(),
    tx.maxFeePerGasWei === null ? null : tx.maxFeePerGasWei.toString(),
    tx.maxPriorityFeePerGasWei === null ? null : tx.maxPriorityFeePerGasWei.toString(),
    tx.from,
    tx.to,
    tx.nonce,
    tx.input,
    tx.blockNumber,
    tx.timestamp,
    tx.txType,
  ]);
}

/**
 * SHA-256 of the canonical encoding, base64url: what a transaction's content is, for a hash that anyone can
 * claim. Prediction cache keys and stored rows carry it, so a verdict computed for one content is never
 * served or kept for another content under the same hash. ~0.7 µs per transaction (one-shot `hash`).
 */
export function contentFingerprint(tx: NormalizedTransaction): string {
  return hash("sha256", canonicalContent(tx), "base64url");
}
