import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

interface ErrorBody {
  code: string;
  details?: { issues?: { path: string; message: string }[] };
}

const HASH = `0x${"e1".repeat(32)}`;
const tx = (overrides: Record<string, unknown>) => ({
  hash: HASH,
  value: 1,
  gas: 21_000,
  gasPrice: 20,
  ...overrides,
});

describe("transaction formats: refused timestamps and alias conflicts", () => {
  let app: TestGateway;
  beforeAll(async () => {
    app = await startTestGateway();
  });
  afterAll(() => app.stop());

  const issuesOf = async (body: unknown) => {
    const response = await app.send("/api/v1/predict", { method: "POST", body });
    expect(response.status).toBe(400);
    const error = response.json as ErrorBody;
    expect(error.code).toBe("VALIDATION_ERROR");
    return error.details?.issues;
  };

  it.each([
    [
      "an ISO timestamp without a zone",
      tx({ timestamp: "2024-05-01T12:00:00" }),
      'no time zone, so the instant is ambiguous; add Z (UTC) or an offset such as +02:00: "2024-05-01T12:00:00"',
    ],
    [
      "an impossible date",
      tx({ timestamp: "2024-02-30T12:00:00Z" }),
      '2024-02-30 is not a date: "2024-02-30T12:00:00Z"',
    ],
    [
      "milliseconds",
      tx({ timestamp: 1_714_564_800_000 }),
      "1714564800000 is too large for unix seconds (at most 99999999999, 5138-11-16T09:46:39Z); milliseconds are not accepted, send seconds",
    ],
  ])("answers %s with 400 and one issue on timestamp", async (_name, body, message) => {
    expect(await issuesOf(body)).toEqual([{ path: "timestamp", message }]);
  });

  it("answers a field and its alias with different values with 400 naming both", async () => {
    expect(await issuesOf(tx({ gas_price: "21" }))).toEqual([
      {
        path: "gasPrice",
        message:
          'gasPrice and its alias gas_price are both given, with different values (20 and "21"); send one, or the same value in both',
      },
    ]);
  });

  it("answers a missing gas price under either name with 400", async () => {
    expect(await issuesOf({ hash: HASH, value: 1, gas: 21_000 })).toEqual([
      { path: "gasPrice", message: "required (or its alias gas_price)" },
    ]);
  });
});
