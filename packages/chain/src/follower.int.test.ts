import { type ChainMetrics, createChainMetrics, createMetricsRegistry } from "@chainwatch/metrics";
import { safeNormalizeTransaction } from "@chainwatch/model";
import { createLogger } from "@chainwatch/service-kit";
import {
  createChainStateRepository,
  createPgliteDatabase,
  type Database,
  runMigrations,
} from "@chainwatch/store";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ChainIdMismatchError, ChainUnreachableError } from "./errors.ts";
import { type ChainFollower, createChainFollower } from "./follower.ts";
import { createChainRpc } from "./rpc.ts";
import type { FollowedBlock } from "./rpc-block.ts";
import { type ChainRetraction, createCallbackSink } from "./sinks.ts";
import {
  type Anvil,
  createTestWallet,
  describeWithAnvil,
  startAnvil,
  startPausableProxy,
} from "./testing/index.ts";

const logger = createLogger({ name: "chain-follower-test", level: "silent" });

/** What the sink saw, in order. */
function recorder() {
  const blocks: FollowedBlock[] = [];
  const retractions: ChainRetraction[] = [];
  return {
    blocks,
    retractions,
    sink: createCallbackSink({
      onBlock: async (block) => {
        blocks.push(block);
      },
      onRetract: async (retraction) => {
        retractions.push(retraction);
      },
    }),
    /** How many times each transaction hash was delivered. */
    deliveries: () => {
      const counts = new Map<string, number>();
      for (const block of blocks)
        for (const tx of block.transactions) counts.set(tx.hash, (counts.get(tx.hash) ?? 0) + 1);
      return counts;
    },
    numbers: () => blocks.map((block) => block.number),
  };
}

async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describeWithAnvil("chain follower against anvil", () => {
  let db: Database;
  let anvil: Anvil | undefined;
  const followers: ChainFollower[] = [];
  let chainIdSeed = 41_000;

  beforeAll(async () => {
    db = await createPgliteDatabase();
    await runMigrations(db);
  });
  afterAll(async () => {
    await db.close();
  });
  afterEach(async () => {
    for (const follower of followers.splice(0)) await follower.stop();
    await anvil?.stop();
    anvil = undefined;
  });

  /** A fresh node with its own chain id (the suite shares one database), mining only when told to. */
  async function node() {
    const chainId = ++chainIdSeed;
    anvil = await startAnvil({ chainId, noMining: true });
    return { anvil, chainId, wallet: createTestWallet(anvil.url, chainId) };
  }

  function follow(
    chainId: number,
    url: string | string[],
    sink: ReturnType<typeof recorder>["sink"],
    startBlock: number | "head" = 1,
    metrics?: ChainMetrics,
    confirmations = 0,
  ) {
    const follower = createChainFollower({
      chainId,
      rpc: createChainRpc({
        urls: Array.isArray(url) ? url : [url],
        timeoutMs: 2_000,
        logger,
        retry: { initialDelayMs: 50, maxDelayMs: 500 },
        ...(metrics ? { metrics } : {}),
      }),
      state: createChainStateRepository(db),
      sink,
      logger,
      pollIntervalMs: 100,
      startBlock,
      failureBackoffMs: 100,
      confirmations,
      ...(metrics ? { metrics } : {}),
    });
    followers.push(follower);
    return follower;
  }

  const processed = (follower: ChainFollower, block: number) => () =>
    (follower.status().processedBlock ?? -1) >= block;

  it("hands over legacy, EIP-1559 and set-code transactions once each, in the pipeline's input shape", async () => {
    const { anvil, chainId, wallet } = await node();
    const seen = recorder();
    const follower = follow(chainId, anvil.url, seen.sink);
    await follower.start();
    const legacy = await wallet.legacy(0);
    const dynamic = await wallet.eip1559(1);
    const setCode = await wallet.setCode(2);
    await anvil.mine(1);
    await anvil.mine(1);
    await waitUntil(processed(follower, 2), "block 2");

    expect(seen.numbers()).toEqual([1, 2]);
    const [first] = seen.blocks;
    expect(first?.transactions).toHaveLength(3);
    expect(seen.blocks[1]?.transactions).toHaveLength(0);
    const byHash = new Map(first?.transactions.map((tx) => [tx.hash, tx]));
    expect(byHash.get(legacy)?.type).toBe("0x0");
    expect(byHash.get(dynamic)?.type).toBe("0x2");
    expect(byHash.get(setCode)?.type).toBe("0x4");
    // The model reads each as a JSON-RPC transaction, with the block and its time attached.
    for (const tx of first?.transactions ?? []) {
      const normalized = safeNormalizeTransaction(tx);
      expect(normalized.ok).toBe(true);
      if (!normalized.ok) continue;
      expect(normalized.value.blockNumber).toBe(1);
      expect(normalized.value.timestamp).toBe(first?.timestamp);
      expect(tx.chainId).toBe(`0x${chainId.toString(16)}`);
    }
    const dynamicTx = safeNormalizeTransaction(byHash.get(dynamic));
    expect(dynamicTx.ok && dynamicTx.value.valueWei).toBe(500_000_000_000_000_000n);
    expect(dynamicTx.ok && dynamicTx.value.maxFeePerGasWei).toBe(3_000_000_000n);
    expect(dynamicTx.ok && dynamicTx.value.from).toBe(wallet.address(1));
    expect([...seen.deliveries().values()]).toEqual([1, 1, 1]);
  });

  it("retracts an orphaned block's transactions and hands over the new branch, a re-included one again", async () => {
    const { anvil, chainId, wallet } = await node();
    const seen = recorder();
    const registry = createMetricsRegistry({ collectProcessMetrics: false });
    const follower = follow(chainId, anvil.url, seen.sink, 1, createChainMetrics(registry));
    await follower.start();
    await anvil.mine(1); // block 1, empty: the common ancestor
    await waitUntil(processed(follower, 1), "block 1");
    const snapshot = await anvil.rpc<string>("evm_snapshot");
    const replayed = await wallet.signed(0, 0);
    const orphanedOnly = await wallet.legacy(1);
    const kept = await anvil.rpc<string>("eth_sendRawTransaction", [replayed]);
    await anvil.mine(1); // block 2 on the old branch: both transactions
    await waitUntil(processed(follower, 2), "old block 2");
    const oldBlock2 = seen.blocks.at(-1);

    await anvil.rpc("evm_revert", [snapshot]);
    await anvil.rpc("eth_sendRawTransaction", [replayed]); // the same signed transaction, included again
    const fresh = await wallet.eip1559(2);
    await anvil.mine(2); // blocks 2' and 3' on the new branch
    await waitUntil(processed(follower, 3), "new block 3");

    expect(seen.numbers()).toEqual([1, 2, 2, 3]);
    expect(seen.blocks[2]?.hash).not.toBe(oldBlock2?.hash);
    expect(seen.retractions).toHaveLength(1);
    const [retraction] = seen.retractions;
    expect(retraction?.ancestor).toEqual({ number: 1, hash: seen.blocks[0]?.hash });
    expect(retraction?.orphanedBlocks.map((block) => block.hash)).toEqual([oldBlock2?.hash]);
    expect(retraction?.txHashes).toEqual([kept, orphanedOnly].sort());
    // Once per canonical inclusion: the replayed one twice (old branch, new branch), the others once.
    expect(Object.fromEntries(seen.deliveries())).toEqual({ [kept]: 2, [orphanedOnly]: 1, [fresh]: 1 });
    const inclusions = await db.query<{ tx_hash: string; block_hash: string; is_removed: boolean }>(
      "SELECT tx_hash, block_hash, removed_at IS NOT NULL AS is_removed FROM chain_inclusions WHERE chain_id = $1",
      [chainId],
    );
    const newBlock2 = seen.blocks[2]?.hash;
    expect(inclusions.rows).toHaveLength(4);
    expect(inclusions.rows).toEqual(
      expect.arrayContaining([
        { tx_hash: kept, block_hash: oldBlock2?.hash, is_removed: true },
        { tx_hash: orphanedOnly, block_hash: oldBlock2?.hash, is_removed: true },
        { tx_hash: kept, block_hash: newBlock2, is_removed: false },
        { tx_hash: fresh, block_hash: newBlock2, is_removed: false },
      ]),
    );
    expect(follower.status()).toMatchObject({ reorgs: 1, lastReorgDepth: 1, processedBlock: 3 });
    const metric = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values ?? [];
    const chain = String(chainId);
    expect(await metric("chain_reorgs_total")).toEqual([
      { labels: { chain_id: chain, depth: "1" }, value: 1 },
    ]);
    expect(await metric("chain_retracted_transactions_total")).toEqual([
      { labels: { chain_id: chain }, value: 2 },
    ]);
    expect(await metric("chain_processed_block")).toEqual([{ labels: { chain_id: chain }, value: 3 }]);
    expect(await metric("chain_transactions_total")).toEqual([
      { labels: { chain_id: chain, mode: "follow" }, value: 4 },
    ]);
    const calls = await metric("chain_rpc_requests_total");
    expect(calls.map((c) => c.labels.method).sort()).toEqual([
      "eth_blockNumber",
      "eth_chainId",
      "eth_getBlockByNumber",
    ]);
    const histogram = await metric("chain_block_to_score_seconds");
    expect(
      histogram.find(
        (v) => (v as { metricName?: string }).metricName === "chain_block_to_score_seconds_count",
      )?.value,
    ).toBe(4);
  });

  it("finds a reorg that keeps the height (anvil_reorg) while idle at the tip", async () => {
    const { anvil, chainId, wallet } = await node();
    const seen = recorder();
    const follower = follow(chainId, anvil.url, seen.sink);
    await follower.start();
    await anvil.mine(1);
    const orphaned = await wallet.legacy(0);
    await anvil.mine(1);
    await waitUntil(processed(follower, 2), "block 2");
    // Replaces the newest block with an empty one of the same number: no new block to compare parents with.
    await anvil.rpc("anvil_reorg", [1, []]);
    await waitUntil(() => seen.retractions.length === 1 && seen.blocks.length === 3, "the reorg");

    expect(seen.numbers()).toEqual([1, 2, 2]);
    expect(seen.retractions[0]?.txHashes).toEqual([orphaned]);
    expect(seen.blocks[2]?.transactions).toEqual([]);
  });

  it("resumes after a restart with no gap and no repeat, and finds a reorg that happened while it was down", async () => {
    const { anvil, chainId, wallet } = await node();
    const seen = recorder();
    const first = follow(chainId, anvil.url, seen.sink);
    await first.start();
    const a = await wallet.legacy(0);
    await anvil.mine(1);
    const b = await wallet.eip1559(1);
    await anvil.mine(1);
    await waitUntil(processed(first, 2), "block 2");
    await first.stop();

    // While it is down: block 2 is orphaned (b dropped), and the new branch grows to block 4.
    await anvil.rpc("anvil_reorg", [1, []]);
    const c = await wallet.eip1559(2);
    await anvil.mine(1);
    const d = await wallet.legacy(0);
    await anvil.mine(1);

    const second = follow(chainId, anvil.url, seen.sink);
    await second.start();
    await waitUntil(processed(second, 4), "block 4");

    expect(seen.numbers()).toEqual([1, 2, 2, 3, 4]);
    expect(seen.retractions.map((retraction) => retraction.txHashes)).toEqual([[b]]);
    expect(Object.fromEntries(seen.deliveries())).toEqual({ [a]: 1, [b]: 1, [c]: 1, [d]: 1 });
  });

  it("rides out an unreachable node: retries, then hands over every block it missed, in order, once", async () => {
    const { anvil, chainId, wallet } = await node();
    const proxy = await startPausableProxy(anvil.port);
    try {
      const seen = recorder();
      const follower = follow(chainId, proxy.url, seen.sink);
      await follower.start();
      const before = await wallet.legacy(0);
      await anvil.mine(1);
      await waitUntil(processed(follower, 1), "block 1");

      proxy.pause();
      const during: string[] = [];
      for (let i = 0; i < 5; i++) {
        during.push(await wallet.eip1559(i % 3));
        await anvil.mine(1);
      }
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(follower.status().processedBlock).toBe(1);
      proxy.resume();
      await waitUntil(processed(follower, 6), "block 6");

      expect(seen.numbers()).toEqual([1, 2, 3, 4, 5, 6]);
      expect(seen.deliveries().get(before)).toBe(1);
      expect(during.map((hash) => seen.deliveries().get(hash))).toEqual([1, 1, 1, 1, 1]);
    } finally {
      await proxy.close();
    }
  });

  it("with CONFIRMATIONS=2 scores a block once two are on top of it, so a shallower reorg retracts nothing", async () => {
    const { anvil, chainId, wallet } = await node();
    const seen = recorder();
    const follower = follow(chainId, anvil.url, seen.sink, 1, undefined, 2);
    await follower.start();
    const kept = await wallet.legacy(0);
    await anvil.mine(1);
    const dropped = await wallet.eip1559(1);
    await anvil.mine(2); // head 3: block 1 has two on top
    await waitUntil(processed(follower, 1), "block 1");
    await follower.nextIdle();
    expect(seen.numbers()).toEqual([1]);
    // Blocks 2 and 3 replaced before they were confirmed: nothing to retract.
    await anvil.rpc("anvil_reorg", [2, []]);
    await anvil.mine(2); // head 5: blocks 2' and 3' confirmed
    await waitUntil(processed(follower, 3), "block 3");
    expect(seen.numbers()).toEqual([1, 2, 3]);
    expect(seen.retractions).toEqual([]);
    expect(Object.fromEntries(seen.deliveries())).toEqual({ [kept]: 1 });
    expect(seen.deliveries().has(dropped)).toBe(false);
    expect(follower.status()).toMatchObject({ headBlock: 5, processedBlock: 3, lagBlocks: 2, reorgs: 0 });
  });

  it("fails over to the next RPC URL when the first is down", async () => {
    const { anvil, chainId, wallet } = await node();
    const seen = recorder();
    const follower = follow(chainId, ["http://127.0.0.1:9", anvil.url], seen.sink);
    await follower.start();
    const hash = await wallet.legacy(0);
    await anvil.mine(1);
    await waitUntil(processed(follower, 1), "block 1");
    expect(seen.blocks[0]?.transactions.map((tx) => tx.hash)).toEqual([hash]);
  });

  describe("start-up checks", () => {
    it("refuses a node that serves another chain", async () => {
      const { anvil, chainId } = await node();
      const follower = follow(chainId + 1, anvil.url, recorder().sink);
      await expect(follower.start()).rejects.toBeInstanceOf(ChainIdMismatchError);
      await expect(follower.start()).rejects.toThrow(
        `the RPC node serves chain ${chainId}, but CHAIN_ID is ${chainId + 1}`,
      );
    });

    it("says clearly that no URL answered", async () => {
      const follower = follow(1, "http://127.0.0.1:9", recorder().sink);
      await expect(follower.start()).rejects.toBeInstanceOf(ChainUnreachableError);
    });
  });
});
