import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * `cw_` + 64 hex characters (32 random bytes). The first 12 characters (`cw_` + 9 hex) are the prefix:
 * stored in clear and indexed, they find the row without revealing enough of the key to use it.
 */
const API_KEY_PATTERN = /^cw_[0-9a-f]{64}$/;
const PREFIX_LENGTH = 12;

export function isApiKeyFormat(value: string): boolean {
  return API_KEY_PATTERN.test(value);
}

export function generateApiKey(): string {
  return `cw_${randomBytes(32).toString("hex")}`;
}

export function apiKeyPrefix(key: string): string {
  return key.slice(0, PREFIX_LENGTH);
}

/** SHA-256 is enough for 256-bit random keys: there is nothing to brute-force, unlike a password. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export function hashesMatch(expectedHex: string, actualHex: string): boolean {
  const expected = Buffer.from(expectedHex, "hex");
  const actual = Buffer.from(actualHex, "hex");
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
