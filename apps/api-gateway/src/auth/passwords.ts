import { randomBytes } from "node:crypto";
import { argon2id, argon2Verify } from "hash-wasm";

/**
 * argon2id with OWASP's minimum profile (19 MiB, 2 passes, 1 lane). hash-wasm runs it in WebAssembly, so
 * no native build is needed; one hash takes tens of milliseconds here, which is the point.
 */
const MEMORY_KIB = 19_456;
const ITERATIONS = 2;

export async function hashPassword(password: string): Promise<string> {
  return argon2id({
    password,
    salt: randomBytes(16),
    parallelism: 1,
    iterations: ITERATIONS,
    memorySize: MEMORY_KIB,
    hashLength: 32,
    outputType: "encoded",
  });
}

export async function verifyPassword(password: string, encodedHash: string): Promise<boolean> {
  try {
    return await argon2Verify({ password, hash: encodedHash });
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/** Verifies against a throwaway hash when the email is unknown, so both paths take the same time. */
export async function burnPasswordCheck(password: string): Promise<false> {
  dummyHash ??= hashPassword("chainwatch-timing-equaliser");
  await verifyPassword(password, await dummyHash);
  return false;
}
