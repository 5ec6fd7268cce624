import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Standard Webhooks (https://www.standardwebhooks.com): the secret is `whsec_` + base64 of the key bytes;
 * the signature is `v1,` + base64(HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")), the
 * timestamp in whole seconds since the epoch. Receivers verify with any conforming library.
 */
const SECRET_PREFIX = "whsec_";
/** 24 random bytes: the spec asks for 24 to 64. */
const SECRET_BYTES = 24;

export function generateSigningSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString("base64")}`;
}

function keyOf(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error("signing secret must start with whsec_");
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), "base64");
  if (key.length < SECRET_BYTES) throw new Error("signing secret is too short");
  return key;
}

export interface SignedHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

export function signWebhook(
  secret: string,
  messageId: string,
  timestampSeconds: number,
  body: string,
): SignedHeaders {
  const signature = createHmac("sha256", keyOf(secret))
    .update(`${messageId}.${timestampSeconds}.${body}`)
    .digest("base64");
  return {
    "webhook-id": messageId,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": `v1,${signature}`,
  };
}

/** Checks one of the space-separated `v1,` signatures; for our own tests of receivers and docs examples. */
export function hasValidSignature(secret: string, headers: SignedHeaders, body: string): boolean {
  const expected = Buffer.from(
    signWebhook(secret, headers["webhook-id"], Number(headers["webhook-timestamp"]), body)[
      "webhook-signature"
    ],
  );
  return headers["webhook-signature"].split(" ").some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
