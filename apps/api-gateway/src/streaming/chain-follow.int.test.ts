import { type Anvil, createTestWallet, describeWithAnvil, startAnvil } from "@chainwatch/chain/testing";
import { createPgliteDatabase, type Database } from "@chainwatch/store";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

const CHAIN_ID = 31_337;

async function waitUntil(condition: () => Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describeWithAnvil("embedded gateway following a chain (CHAIN_RPC_URL)", () => {
  let anvil: Anvil;
  let database: Database;
  let gateway: TestGateway;

  beforeAll(async () => {
    anvil = await startAnvil({ chainId: CHAIN_ID, noMining: true });
    database = await createPgliteDatabase();
    gateway = await startTestGateway(
      {
        CHAIN_RPC_URL: anvil.url,
        CHAIN_ID: String(CHAIN_ID),
        CHAIN_POLL_INTERVAL_MS: "100",
        CHAIN_START_BLOCK: "1",
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

  const stored = (hash: string) => async () =>
    (await gateway.send(`/api/v1/transactions/${hash}`)).status === 200;
  const removedAt = async (hash: string) =>
    (
      await database.query<{ removed_at: Date | null }>(
        "SELECT removed_at FROM transactions WHERE hash = $1",
        [hash],
      )
    ).rows[0]?.removed_at ?? null;

  it("scores and stores each mined transaction with no other setup, and marks orphaned ones removed", async () => {
    const wallet = createTestWallet(anvil.url, CHAIN_ID);
    const legacy = await wallet.legacy(0, "2");
    const dynamic = await wallet.eip1559(1, "0.25");
    await anvil.mine(1);
    await waitUntil(stored(legacy), "the legacy transaction stored");
    await waitUntil(stored(dynamic), "the EIP-1559 transaction stored");

    const view = (await gateway.send(`/api/v1/transactions/${dynamic}`)).json;
    expect(view).toMatchObject({
      blockNumber: 1,
      valueWei: "250000000000000000",
      from: wallet.address(1),
      txType: 2,
      maxFeePerGasWei: "3000000000",
    });
    expect(await removedAt(legacy)).toBeNull();

    // Block 1 replaced by an empty block: both transactions are no longer on the chain.
    await anvil.rpc("anvil_reorg", [1, []]);
    await waitUntil(async () => (await removedAt(legacy)) !== null, "the retraction");
    expect(await removedAt(dynamic)).toBeInstanceOf(Date);
    type ChainHealth = { status: string; reorgs: number; processedBlock: number | null; lastError: unknown };
    const chainHealth = async () =>
      ((await gateway.send("/health")).json as { dependencies: { chain: ChainHealth } }).dependencies.chain;
    // The retraction is written before the new branch's block 1 is processed, and a poll that raced the
    // reorg may have left an error until the next one succeeds: wait for the follower to settle on the new
    // branch, then check what it reports.
    await waitUntil(async () => {
      const chain = await chainHealth();
      return chain.processedBlock === 1 && chain.lastError === null;
    }, "the follower settled on the new branch");
    expect(await chainHealth()).toMatchObject({ status: "up", reorgs: 1, processedBlock: 1 });
    const stream = (await gateway.send("/api/v1/stream/status")).json;
    expect(stream).toMatchObject({
      mode: "embedded",
      chain: {
        chainId: CHAIN_ID,
        isRunning: true,
        processedBlock: 1,
        reorgs: 1,
        lastReorgDepth: 1,
        lastError: null,
      },
    });
  });
});
