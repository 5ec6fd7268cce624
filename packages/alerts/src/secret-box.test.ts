import { describe, expect, it } from "vitest";
import { createSecretBox, parseSecretKey } from "./secret-box.ts";

const KEY_A = Buffer.alloc(32, 1).toString("base64");
const KEY_B = "02".repeat(32);

describe("secret box (AES-256-GCM at rest)", () => {
  it("seals and opens; the ciphertext names its key and never contains the secret", () => {
    const box = createSecretBox({ key: KEY_A });
    const sealed = box.seal("whsec_secret");
    expect(sealed).toMatch(/^v1\.[0-9a-f]{8}\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain("secret");
    expect(box.open(sealed)).toBe("whsec_secret");
    expect(box.seal("whsec_secret")).not.toBe(sealed);
  });

  it("refuses a tampered ciphertext", () => {
    const box = createSecretBox({ key: KEY_A });
    const parts = box.seal("whsec_secret").split(".");
    const body = Buffer.from(parts[4] ?? "", "base64url");
    body[0] = (body[0] ?? 0) ^ 1;
    parts[4] = body.toString("base64url");
    expect(() => box.open(parts.join("."))).toThrow();
  });

  it("opens old ciphertexts with a previous key during a rotation, and marks them stale", () => {
    const old = createSecretBox({ key: KEY_A }).seal("whsec_old");
    const rotated = createSecretBox({ key: KEY_B, previousKeys: [KEY_A] });
    expect(rotated.open(old)).toBe("whsec_old");
    expect(rotated.isStale(old)).toBe(true);
    expect(rotated.isStale(rotated.seal("x"))).toBe(false);
    expect(() => createSecretBox({ key: KEY_B }).open(old)).toThrow(/ALERT_SECRET_KEY_PREVIOUS/);
  });

  it("cannot seal without a key, and rejects keys that are not 32 bytes", () => {
    const box = createSecretBox({});
    expect(box.isConfigured).toBe(false);
    expect(() => box.seal("x")).toThrow(/ALERT_SECRET_KEY/);
    expect(() => parseSecretKey("c2hvcnQ=")).toThrow(/32 bytes/);
    expect(parseSecretKey(KEY_B)).toHaveLength(32);
  });
});
