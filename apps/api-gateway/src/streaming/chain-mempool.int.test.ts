import { type Anvil, createTestWallet, describeWithAnvil, startAnvil } from "@chainwatch/chain/testing";
import { createPgliteDatabase, type Database } from "@chainwatch/store";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

const CHAIN_ID = 31_337;
const SHIPPED_PHISHER = "0x00000000072d54638c2c2a3da3f715360269eea1";
/** Anvil's first default account (unlocked: eth_sendTransaction needs no signature). */
const SENDER = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";

async function waitUntil(condition: () => Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface LookupView {
  blockNumber: number | null;
  contentChangedAt: string | null;
  latestPrediction: unknown;
  chain: {
    status: string;
    pendingSeenAt: string | null;
    leadTimeMs: number | null;
    pendingContentFingerprint: string | null;
  } | null;
}

describeWithAnvil("embedded gateway in mempool mode over WebSocket (CHAIN_MEMPOOL, CHAIN_WS_URL)", () => {
  let anvil: Anvil;
  let database: Database;
  let gateway: TestGateway;

  beforeAll(async () => {
    anvil = await startAnvil({ chainId: CHAIN_ID, noMining: true });
    database = await createPgliteDatabase();
    gateway = await startTestGateway(
      {
        CHAIN_RPC_URL: anvil.url,
        CHAIN_WS_URL: `ws://127.0.0.1:${anvil.port}`,
        CHAIN_ID: String(CHAIN_ID),
        CHAIN_MEMPOOL: "true",
        CHAIN_POLL_INTERVAL_MS: "100",
        CHAIN_START_BLOCK: "1",
        // A transfer to a shipped phishing address is an anomaly whatever the model says.
        SCREENING_SEED_SHIPPED_LISTS: "true",
        LOG_LEVEL: "warn",
      },
      { database },
    );
  });
  afterAll(async () => {
    await gateway?.stop();
    await database?.close();
    await anvil?.stop();
  });

  const lookup = async (hash: string) => {
    const response = await gateway.send(`/api/v1/transactions/${hash}`);
    return response.status === 200 ? (response.json as LookupView) : null;
  };
  type ChainStatus = { subscription: string; mempool: { seen: number; mined: number } | null };
  const streamChain = async () =>
    ((await gateway.send("/api/v1/stream/status")).json as { chain: ChainStatus }).chain;

  it("scores a transaction before its block, then shows it mined with no conflict and a reference to the pending result", async () => {
    await waitUntil(async () => (await streamChain()).subscription === "connected", "the subscription");
    const wallet = createTestWallet(anvil.url, CHAIN_ID);
    const hash = await wallet.eip1559(1, "0.25");

    await waitUntil(async () => (await lookup(hash)) !== null, "the pending result stored");
    const pending = await lookup(hash);
    expect(pending?.blockNumber).toBeNull();
    expect(pending?.latestPrediction).not.toBeNull();
    expect(pending?.chain).toMatchObject({
      status: "pending",
      leadTimeMs: null,
      pendingContentFingerprint: null,
    });
    expect(pending?.chain?.pendingSeenAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    await anvil.mine(1);
    await waitUntil(async () => (await lookup(hash))?.blockNumber === 1, "the mined result stored");
    const mined = await lookup(hash);
    expect(mined?.contentChangedAt).toBeNull();
    expect(mined?.chain?.status).toBe("mined");
    expect(mined?.chain?.leadTimeMs).toBeGreaterThanOrEqual(0);
    expect(mined?.chain?.pendingContentFingerprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const conflicts = await database.query<{ n: string | number }>(
      "SELECT count(*) AS n FROM transaction_conflicts WHERE tx_hash = $1",
      [hash],
    );
    expect(Number(conflicts.rows[0]?.n)).toBe(0);
    expect((await streamChain()).mempool).toMatchObject({ seen: 1, mined: 1 });
  });

  it("alerts on the pending anomaly, and the mined one neither alerts again nor adds a second anomaly", async () => {
    const created = await gateway.send("/api/v1/alerts/destinations", {
      method: "POST",
      body: { kind: "log", name: "soc log" },
    });
    expect(created.status).toBe(201);
    const count = async (table: string, hash: string) =>
      Number(
        (
          await database.query<{ n: string | number }>(
            `SELECT count(*) AS n FROM ${table} WHERE tx_hash = $1`,
            [hash],
          )
        ).rows[0]?.n,
      );
    const hash = await anvil.rpc<string>("eth_sendTransaction", [
      { from: SENDER, to: SHIPPED_PHISHER, value: "0x2386f26fc10000", gas: "0x5208" },
    ]);

    await waitUntil(
      async () => (await count("alert_outbox", hash)) === 1,
      "the pending anomaly's alert queued",
    );
    const pending = await lookup(hash);
    expect(pending?.blockNumber).toBeNull();
    expect(pending?.chain?.status).toBe("pending");
    expect(await count("anomalies", hash)).toBe(1);

    await anvil.mine(1);
    await waitUntil(async () => (await lookup(hash))?.chain?.status === "mined", "the mined result");
    expect((await lookup(hash))?.blockNumber).toBeGreaterThan(0);
    expect(await count("predictions", hash)).toBe(2);
    expect(await count("anomalies", hash)).toBe(1);
    expect(await count("alert_outbox", hash)).toBe(1);
  });
});
