import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../testing/persistence-suite.ts";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

const randomHash = () => `0x${randomBytes(32).toString("hex")}`;
const FROM = "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01";
const TO = "0x00000000219ab540356cBB839Cbe05303d7705Fa";

interface StoredBody {
  hash: string;
  from: string | null;
  to: string | null;
  blockNumber: number | null;
  blockTimestamp: string | null;
  gasPriceWei: string;
}

/** The original API's field names and an ISO-8601 block time with an offset (12:00:00Z). */
const originalApiTransaction = () => ({
  hash: randomHash(),
  value: 1.5,
  gas: 21_000,
  gas_price: "30",
  from_address: FROM,
  to_address: TO,
  block_number: 19_000_000,
  block_timestamp: "2024-05-01T14:00:00+02:00",
});

describe("transaction formats: the original API's field names and ISO-8601 timestamps", () => {
  let app: TestGateway;
  beforeAll(async () => {
    app = await startTestGateway({ DB_WRITE_FLUSH_INTERVAL_MS: "20" });
  });
  afterAll(() => app.stop());

  const lookup = async (hash: string) => {
    const response = await app.send("/api/v1/batch/transactions/lookup", {
      method: "POST",
      body: { hashes: [hash] },
    });
    expect(response.status).toBe(200);
    return (response.json as { transactions: StoredBody[] }).transactions[0];
  };

  it("predict scores a transaction sent with aliases and an ISO timestamp, and stores from and the block time", async () => {
    const tx = originalApiTransaction();
    const response = await app.send("/api/v1/predict", { method: "POST", body: tx });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ hash: tx.hash, cached: false });
    // Predict stores after answering (write-behind): polled until the row is there.
    const stored = await waitFor(() => lookup(tx.hash));
    expect(stored).toMatchObject({
      hash: tx.hash,
      from: "0xabcdef0123456789abcdef0123456789abcdef01",
      to: "0x00000000219ab540356cbb839cbe05303d7705fa",
      blockNumber: 19_000_000,
      blockTimestamp: "2024-05-01T12:00:00.000Z",
      gasPriceWei: "30000000000",
    });
  });

  it("batch ingest accepts aliases and ISO timestamps per item, refuses a conflicting alias naming both fields", async () => {
    const aliased = originalApiTransaction();
    const canonicalIso = {
      hash: randomHash(),
      value: "0.25",
      gas: 21_000,
      gasPrice: 20,
      from: FROM,
      timestamp: "2024-05-01T06:30:00.750-05:30",
    };
    const conflicting = { ...originalApiTransaction(), from: `0x${"9".repeat(40)}` };
    const response = await app.send("/api/v1/batch/transactions", {
      method: "POST",
      body: { transactions: [aliased, canonicalIso, conflicting] },
    });
    expect(response.status).toBe(202);
    expect(response.json).toMatchObject({
      mode: "embedded",
      accepted: [aliased.hash, canonicalIso.hash],
      rejected: [
        {
          index: 2,
          hash: conflicting.hash,
          error: {
            code: "VALIDATION_ERROR",
            issues: [
              {
                path: "from",
                message: `from and its alias from_address are both given, with different values ("0x${"9".repeat(40)}" and "${FROM}"); send one, or the same value in both`,
              },
            ],
          },
        },
      ],
    });
    // Embedded ingest stores before answering.
    expect(await lookup(aliased.hash)).toMatchObject({
      from: "0xabcdef0123456789abcdef0123456789abcdef01",
      to: "0x00000000219ab540356cbb839cbe05303d7705fa",
      blockNumber: 19_000_000,
      blockTimestamp: "2024-05-01T12:00:00.000Z",
      gasPriceWei: "30000000000",
    });
    expect(await lookup(canonicalIso.hash)).toMatchObject({
      from: "0xabcdef0123456789abcdef0123456789abcdef01",
      blockTimestamp: "2024-05-01T12:00:00.000Z",
    });
  });

  it("documents the aliases and the timestamp formats in the OpenAPI document", async () => {
    const document = (await app.send("/openapi.json", { anonymous: true })).json as {
      paths: Record<
        string,
        Record<string, { requestBody: { content: Record<string, { schema: unknown }> } }>
      >;
    };
    const schema = document.paths["/api/v1/predict"]?.post?.requestBody.content["application/json"]
      ?.schema as {
      anyOf: { required: string[]; properties: Record<string, { description?: string }> }[];
    };
    const [withGasPrice, withGasPriceAlias] = schema.anyOf;
    expect(withGasPrice?.required).toContain("gasPrice");
    expect(withGasPriceAlias?.required).toContain("gas_price");
    expect(Object.keys(withGasPrice?.properties ?? {})).toEqual(
      expect.arrayContaining(["from_address", "to_address", "gas_price", "block_number", "block_timestamp"]),
    );
    expect(withGasPrice?.properties.timestamp?.description).toMatch(/ISO-8601 date-time with Z or an offset/);
  });
});
