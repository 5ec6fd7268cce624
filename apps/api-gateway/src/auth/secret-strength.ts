/** Words that mark a value copied from an example rather than generated. */
const PLACEHOLDER = /replace|change.?me|placeholder|example|your.?secret|xxxx|dummy|sample|todo/i;

/** HS256 keys should carry at least as much entropy as the hash's security level. */
const MIN_ENTROPY_BITS = 128;

/** Shannon entropy of the string's own character distribution, times its length: a generous upper bound. */
function estimatedEntropyBits(secret: string): number {
  const counts = new Map<string, number>();
  for (const char of secret) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bitsPerChar = 0;
  for (const count of counts.values()) {
    const p = count / secret.length;
    bitsPerChar -= p * Math.log2(p);
  }
  return bitsPerChar * secret.length;
}

/**
 * Why a signing secret must be refused, or undefined when it may be used. Catches the shipped placeholder
 * (which is long enough to pass a length check) and repetitive values such as 64 × "a".
 */
export function secretWeakness(secret: string): string | undefined {
  if (PLACEHOLDER.test(secret)) return "looks like a placeholder copied from an example";
  const bits = estimatedEntropyBits(secret);
  if (bits < MIN_ENTROPY_BITS)
    return `has about ${Math.floor(bits)} bits of entropy, below ${MIN_ENTROPY_BITS}; generate one with: openssl rand -hex 32`;
  return undefined;
}
