import { describe, expect, it } from "vitest";
import {
  CONTENT_FINGERPRINT_FIELDS,
  CONTENT_FINGERPRINT_PATTERN,
  canonicalContent,
  contentFingerprint,
} from "./content-fingerprint.ts";
import { normalizeTransaction } from "./normalize-transaction.ts";

const HASH = `0x${"AB".repeat(32)}`;
const FROM = "0x742d35Cc6634C0532925a3b844Bc454e4438f44e";
const TO = "0x00000000219ab540356cBB839Cbe05303d7705Fa";

const simple = { hash: HASH, value: 1, gas: 21_000, gasPrice: 20, from: FROM, to: TO, nonce: 42 };

describe("contentFingerprint", () => {
  it("encodes the normalised fields in the documented order, amounts as decimal strings", () => {
    expect(canonicalContent(normalizeTransaction(simple))).toBe(
      '[1,"0xabababababababababababababababababababababababababababababababab","1000000000000000000",' +
        '"21000","20000000000",null,null,"0x742d35cc6634c0532925a3b844bc454e4438f44e",' +
        '"0x00000000219ab540356cbb839cbe05303d7705fa",42,"0x",null,null,null]',
    );
    expect(CONTENT_FINGERPRINT_FIELDS).toEqual([
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
    ]);
  });

  it("is the base64url SHA-256 of that encoding (values from openssl dgst -sha256)", () => {
    const benign = contentFingerprint(normalizeTransaction(simple));
    expect(benign).toBe("dz2mA910NYZ3pwiS0q79mlABDRUhwedPZoYv81heClo");
    expect(benign).toMatch(CONTENT_FINGERPRINT_PATTERN);
    // the same hash claiming 250,000 ETH is other content
    expect(contentFingerprint(normalizeTransaction({ ...simple, value: 250_000 }))).toBe(
      "h5UXLVYEM22xp9eYxg0jJN1gjiPJIloidBbseXK4kcY",
    );
  });

  it("is the same for the same content in either input shape, letter case or amount spelling", () => {
    const rpc = {
      hash: HASH.toLowerCase(),
      from: FROM.toLowerCase(),
      to: TO,
      value: "0xde0b6b3a7640000",
      gas: "0x5208",
      gasPrice: "0x4a817c800",
      nonce: "0x2a",
      input: "0x",
    };
    const spelled = { ...simple, value: "1.000", gasPrice: "20", to: TO.toLowerCase() };
    const expected = "dz2mA910NYZ3pwiS0q79mlABDRUhwedPZoYv81heClo";
    expect(contentFingerprint(normalizeTransaction(rpc))).toBe(expected);
    expect(contentFingerprint(normalizeTransaction(spelled))).toBe(expected);
  });

  it("changes with every field of the list", () => {
    const base = normalizeTransaction(simple);
    const variants = [
      { ...base, hash: `0x${"cd".repeat(32)}` },
      { ...base, valueWei: base.valueWei + 1n },
      { ...base, gas: 21_001n },
      { ...base, gasPriceWei: 1n },
      { ...base, maxFeePerGasWei: 0n },
      { ...base, maxPriorityFeePerGasWei: 0n },
      { ...base, from: null },
      { ...base, to: null },
      { ...base, nonce: 43 },
      { ...base, input: "0xa9059cbb" },
      { ...base, blockNumber: 1 },
      { ...base, timestamp: 1_700_000_000 },
      { ...base, txType: 2 },
    ];
    expect(variants).toHaveLength(CONTENT_FINGERPRINT_FIELDS.length);
    const fingerprints = new Set([base, ...variants].map(contentFingerprint));
    expect(fingerprints.size).toBe(14);
  });

  it("tells null from zero and from the string null", () => {
    const base = normalizeTransaction(simple);
    const fingerprints = new Set(
      [
        { ...base, nonce: null },
        { ...base, nonce: 0 },
        { ...base, from: null },
        { ...base, from: "null" },
      ].map(contentFingerprint),
    );
    expect(fingerprints.size).toBe(4);
  });
});
