import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { ChainwatchError } from "@chainwatch/service-kit";

/**
 * Signing secrets at rest: AES-256-GCM under ALERT_SECRET_KEY. A ciphertext names the key that sealed it
 * (the first 8 hex digits of the key's SHA-256), so a rotation can list the old key in
 * ALERT_SECRET_KEY_PREVIOUS: old rows still open, and `reseal` moves them to the current key
 * (docs/operations.md, "Alert secret key rotation"). Format: `v1.<keyId>.<iv>.<tag>.<ciphertext>`, base64url.
 */
export class SecretKeyError extends ChainwatchError {
  constructor(code: "ALERT_SECRET_KEY_MISSING" | "ALERT_SECRET_UNREADABLE", message: string) {
    super(code, message);
  }
}

export interface SecretBox {
  /** False without ALERT_SECRET_KEY: webhook destinations (which need a secret) cannot be created. */
  readonly isConfigured: boolean;
  seal(plaintext: string): string;
  open(sealed: string): string;
  /** True when `sealed` was made with an older key and should be sealed again. */
  isStale(sealed: string): boolean;
}

/** A 32-byte key written as base64 (44 characters) or hex (64). */
export function parseSecretKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, "hex")
    : Buffer.from(trimmed, "base64");
  if (key.length !== 32) throw new Error("alert secret key must be 32 bytes, as base64 or 64 hex digits");
  return key;
}

const keyIdOf = (key: Buffer) => createHash("sha256").update(key).digest("hex").slice(0, 8);

export function createSecretBox(options: {
  key?: string | undefined;
  previousKeys?: readonly string[];
}): SecretBox {
  const current = options.key ? parseSecretKey(options.key) : undefined;
  const keys = new Map<string, Buffer>();
  for (const text of options.previousKeys ?? []) {
    const key = parseSecretKey(text);
    keys.set(keyIdOf(key), key);
  }
  if (current) keys.set(keyIdOf(current), current);
  const currentId = current ? keyIdOf(current) : undefined;

  return {
    isConfigured: current !== undefined,
    seal(plaintext) {
      if (!current || !currentId)
        throw new SecretKeyError("ALERT_SECRET_KEY_MISSING", "ALERT_SECRET_KEY is not set");
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", current, iv);
      const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      const parts = [iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString("base64url"));
      return ["v1", currentId, ...parts].join(".");
    },
    open(sealed) {
      const [version, keyId, iv, tag, ciphertext] = sealed.split(".");
      const key = keyId ? keys.get(keyId) : undefined;
      if (version !== "v1" || !key || iv === undefined || tag === undefined || ciphertext === undefined)
        throw new SecretKeyError(
          "ALERT_SECRET_UNREADABLE",
          `signing secret sealed with key ${keyId ?? "?"}, which is neither ALERT_SECRET_KEY nor in ALERT_SECRET_KEY_PREVIOUS`,
        );
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, "base64url")),
        decipher.final(),
      ]).toString("utf8");
    },
    isStale: (sealed) => sealed.split(".")[1] !== currentId,
  };
}
