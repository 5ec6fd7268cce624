import { type ChainMetrics, createChainMetrics, createMetricsRegistry } from "@chainwatch/metrics";
import { createLogger } from "@chainwatch/service-kit";
import {
  createChainStateRepository,
  createPendingTransactionsRepository,
  createPgliteDatabase,
  type Database,
  runMigrations,
} from "@chainwatch/store";
import { createWalletClient, type Hex, http, parseEther, parseGwei } from "viem";
import { foundry } from "viem/chains";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { z } from "zod";
import { chainEnvFragment } from "./env.ts";
import { type ChainFollower, createChainFollower } from "./follower.ts";
import { createChainFollowerFromEnv } from "./from-env.ts";
import { createMempoolWatcher, type MempoolWatcher } from "./mempool.ts";
import { createChainRpc } from "./rpc.ts";
import type { FollowedBlock, PipelineTransaction } from "./rpc-block.ts";
import { createCallbackSink } from "./sinks.ts";
import {
  type Anvil,
  describeWithAnvil,
  type PausableProxy,
  startAnvil,
  startPausableProxy,
  TEST_ACCOUNTS,
} from "./testing/index.ts";

const logger = createLogger({ name: "mempool-test", level: "silent" });
const RECIPIENT = "0x000000000000000000000000000000000000beef";

async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describeWithAnvil("mempool mode and WebSocket heads against anvil", () => {
  let db: Database;
  let anvil: Anvil | undefined;
  let proxy: PausableProxy | undefined;
  const followers: ChainFollower[] = [];
  let chainIdSeed = 52_000;

  beforeAll(async () => {
    db = await createPgliteDatabase();
    await runMigrations(db);
  });
  afterAll(async () => {
    await db.close();
  });
  afterEach(async () => {
    for (const follower of followers.splice(0)) await follower.stop();
    await proxy?.close();
    proxy = undefined;
    await anvil?.stop();
    anvil = undefined;
  });

  /** A node that mines only when told to, so transactions stay pending until the test mines them. */
  async function node() {
    const chainId = ++chainIdSeed;
    anvil = await startAnvil({ chainId, noMining: true });
    const chain = { ...foundry, id: chainId };
    const wallet = (index: number) =>
      createWalletClient({
        account: TEST_ACCOUNTS[index] as (typeof TEST_ACCOUNTS)[number],
        chain,
        transport: http(anvil?.url, { retryCount: 0 }),
      });
    /** A type-2 transfer with an explicit nonce and tip (a replacement needs a higher one). */
    const send = (index: number, nonce: number, tipGwei: string, valueEth = "0.1"): Promise<Hex> =>
      wallet(index).sendTransaction({
        to: RECIPIENT,
        value: parseEther(valueEth),
        nonce,
        gas: 21_000n,
        // The pool takes a replacement only if both the fee cap and the tip rise (by 10 % or more).
        maxFeePerGas: parseGwei(String(50 + Number(tipGwei))),
        maxPriorityFeePerGas: parseGwei(tipGwei),
      });
    return { anvil, chainId, send };
  }

  /** Everything the sink saw: pending hand-overs and blocks, in order. */
  function recorder() {
    const pending: PipelineTransaction[] = [];
    const blocks: FollowedBlock[] = [];
    return {
      pending,
      blocks,
      sink: createCallbackSink({
        onBlock: async (block) => {
          blocks.push(block);
        },
        onPending: async (transactions) => {
          pending.push(...transactions);
        },
      }),
      minedHashes: () => blocks.flatMap((block) => block.transactions.map((tx) => tx.hash)),
    };
  }

  function follow(options: {
    chainId: number;
    httpUrl: string;
    sink: ReturnType<typeof recorder>["sink"];
    metrics?: ChainMetrics;
    withMempool?: boolean;
    dropAfterMs?: number;
    subscriptionUrl?: string;
  }): { follower: ChainFollower; mempool: MempoolWatcher | undefined } {
    const rpc = createChainRpc({
      urls: [options.httpUrl],
      timeoutMs: 2_000,
      logger,
      retry: { initialDelayMs: 50, maxDelayMs: 500 },
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
    const mempool = options.withMempool
      ? createMempoolWatcher({
          chainId: options.chainId,
          rpc,
          sink: options.sink,
          state: createPendingTransactionsRepository(db),
          logger,
          pollIntervalMs: 100,
          dropAfterMs: options.dropAfterMs ?? 600_000,
          hasPushSource: options.subscriptionUrl !== undefined,
          ...(options.metrics ? { metrics: options.metrics } : {}),
        })
      : undefined;
    const follower = createChainFollower({
      chainId: options.chainId,
      rpc,
      state: createChainStateRepository(db),
      sink: options.sink,
      logger,
      pollIntervalMs: 100,
      startBlock: 1,
      failureBackoffMs: 100,
      ...(mempool ? { mempool } : {}),
      ...(options.subscriptionUrl
        ? { subscriptionUrl: options.subscriptionUrl, subscribedPollIntervalMs: 120_000 }
        : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
    followers.push(follower);
    return { follower, mempool };
  }

  const pendingRow = async (chainId: number, hash: string) =>
    (
      await db.query<{
        status: string;
        replaced_by: string | null;
        lead_time_ms: string | null;
        block_number: string | null;
      }>(
        `SELECT status, replaced_by, lead_time_ms::text AS lead_time_ms, block_number::text AS block_number
         FROM chain_pending_transactions WHERE chain_id = $1 AND tx_hash = $2`,
        [chainId, hash],
      )
    ).rows[0];

  /** The pending filter reports only what arrives after it exists: wait until it has been polled once. */
  const filterPolled = (metrics: ChainMetrics) =>
    waitUntil(
      async () =>
        (await metrics.rpcRequestsTotal.get()).values.some(
          (v) => v.labels.method === "eth_getFilterChanges" && v.value > 0,
        ),
      "the pending filter",
    );

  const processed = (follower: ChainFollower, block: number) => () =>
    (follower.status().processedBlock ?? -1) >= block;

  it("scores a transaction while pending, then reconciles it as mined with its lead time (HTTP filter)", async () => {
    const { anvil, chainId, send } = await node();
    const seen = recorder();
    const registry = createMetricsRegistry();
    const metrics = createChainMetrics(registry);
    const { follower } = follow({ chainId, httpUrl: anvil.url, sink: seen.sink, metrics, withMempool: true });
    await follower.start();
    await filterPolled(metrics);

    const hash = await send(0, 0, "1");
    await waitUntil(() => seen.pending.length === 1, "the pending hand-over");
    expect(seen.pending[0]).toMatchObject({ hash, status: "pending", blockNumber: null, nonce: "0x0" });
    expect(seen.pending[0]?.from).toBe(TEST_ACCOUNTS[0]?.address.toLowerCase());
    expect(await pendingRow(chainId, hash)).toMatchObject({ status: "pending", block_number: null });
    expect(seen.blocks).toHaveLength(0);

    await anvil.mine(1);
    await waitUntil(processed(follower, 1), "block 1");
    expect(seen.minedHashes()).toEqual([hash]);
    const row = await pendingRow(chainId, hash);
    expect(row?.status).toBe("mined");
    expect(row?.block_number).toBe("1");
    expect(Number(row?.lead_time_ms)).toBeGreaterThanOrEqual(0);
    expect(follower.status().mempool).toEqual({
      tracked: 0,
      seen: 1,
      mined: 1,
      replaced: 0,
      dropped: 0,
      skipped: 0,
    });
    const lead = (await metrics.mempoolLeadTimeSeconds.get()).values.find((v) =>
      v.metricName?.endsWith("_count"),
    );
    expect(lead?.value).toBe(1);
    const resolved = (await metrics.mempoolResolvedTotal.get()).values.map((v) => [
      v.labels.outcome,
      v.value,
    ]);
    expect(resolved).toEqual([["mined", 1]]);
    // Announced once, handed over once while pending: the mined block is the only other hand-over.
    expect(seen.pending.map((tx) => tx.hash)).toEqual([hash]);
  });

  it("marks a pending transaction replaced when its sender's nonce is mined under another hash", async () => {
    const { anvil, chainId, send } = await node();
    const seen = recorder();
    const metrics = createChainMetrics(createMetricsRegistry());
    const { follower } = follow({ chainId, httpUrl: anvil.url, sink: seen.sink, metrics, withMempool: true });
    await follower.start();
    await filterPolled(metrics);

    const original = await send(1, 0, "1", "0.1");
    await waitUntil(() => seen.pending.some((tx) => tx.hash === original), "the original pending");
    // Same sender and nonce, a higher tip: the node's pool swaps it in.
    const replacement = await send(1, 0, "5", "0.2");
    expect(replacement).not.toBe(original);
    await waitUntil(() => seen.pending.some((tx) => tx.hash === replacement), "the replacement pending");
    await anvil.mine(1);
    await waitUntil(processed(follower, 1), "block 1");

    expect(seen.minedHashes()).toEqual([replacement]);
    expect(await pendingRow(chainId, original)).toMatchObject({
      status: "replaced",
      replaced_by: replacement,
    });
    expect((await pendingRow(chainId, replacement))?.status).toBe("mined");
    expect(follower.status().mempool).toMatchObject({ mined: 1, replaced: 1, dropped: 0, tracked: 0 });
  });

  it("marks a pending transaction dropped when no block includes it in time", async () => {
    const { anvil, chainId, send } = await node();
    const seen = recorder();
    const metrics = createChainMetrics(createMetricsRegistry());
    const { follower } = follow({
      chainId,
      httpUrl: anvil.url,
      sink: seen.sink,
      metrics,
      withMempool: true,
      dropAfterMs: 1_000,
    });
    await follower.start();
    await filterPolled(metrics);

    const hash = await send(2, 0, "1");
    await waitUntil(() => seen.pending.length === 1, "the pending hand-over");
    // The node forgets it (as a full pool evicts a cheap transaction), and blocks go by without it.
    await anvil.rpc("anvil_dropTransaction", [hash]);
    await anvil.mine(2);
    await waitUntil(async () => (await pendingRow(chainId, hash))?.status === "dropped", "the drop");
    expect(seen.minedHashes()).toEqual([]);
    expect(follower.status().mempool).toMatchObject({
      seen: 1,
      mined: 0,
      replaced: 0,
      dropped: 1,
      tracked: 0,
    });
  });

  it("with only a ws:// CHAIN_RPC_URL, makes its calls and gets its heads and pending hashes over that socket", async () => {
    const { anvil, chainId, send } = await node();
    const env = z.object(chainEnvFragment({ required: true }).shape).parse({
      CHAIN_RPC_URL: `ws://127.0.0.1:${anvil.port}`,
      CHAIN_ID: String(chainId),
      CHAIN_START_BLOCK: "1",
      CHAIN_POLL_INTERVAL_MS: "100",
      // Only pushed heads can make the follower take a block within the waits below.
      CHAIN_SUBSCRIBED_POLL_INTERVAL_MS: "120000",
      CHAIN_MEMPOOL: "true",
    });
    const seen = recorder();
    const registry = createMetricsRegistry();
    const metrics = createChainMetrics(registry);
    const follower = createChainFollowerFromEnv(env, {
      state: createChainStateRepository(db),
      sink: seen.sink,
      logger,
      metrics,
      pending: createPendingTransactionsRepository(db),
    });
    followers.push(follower);
    await follower.start();
    await waitUntil(() => follower.status().subscription === "connected", "the subscription");
    const hash = await send(2, 0, "1");
    await waitUntil(() => seen.pending.some((tx) => tx.hash === hash), "the pushed pending hash");
    await anvil.mine(1);
    await waitUntil(processed(follower, 1), "block 1 by push");
    expect(seen.minedHashes()).toEqual([hash]);
    expect((await pendingRow(chainId, hash))?.status).toBe("mined");
    // The calls went through the socket too: no HTTP transport was configured at all.
    const calls = (await metrics.rpcRequestsTotal.get()).values.map((v) => v.labels.method);
    expect(calls).toEqual(expect.arrayContaining(["eth_chainId", "eth_blockNumber", "eth_getBlockByNumber"]));
  });

  it("follows heads and pending transactions over WebSocket, polls through a disconnect, and misses no block", async () => {
    const { anvil, chainId, send } = await node();
    proxy = await startPausableProxy(anvil.port);
    const seen = recorder();
    const registry = createMetricsRegistry();
    const metrics = createChainMetrics(registry);
    const { follower } = follow({
      chainId,
      httpUrl: anvil.url,
      sink: seen.sink,
      metrics,
      withMempool: true,
      subscriptionUrl: `ws://127.0.0.1:${proxy.port}`,
    });
    await follower.start();
    await waitUntil(() => follower.status().subscription === "connected", "the subscription");

    // While subscribed the safety poll is 120 s: a block handled within the wait below came by push.
    const first = await send(0, 0, "1");
    await waitUntil(() => seen.pending.some((tx) => tx.hash === first), "the pushed pending hash");
    await anvil.mine(1);
    await waitUntil(processed(follower, 1), "block 1 by push");

    proxy.pause();
    await waitUntil(() => follower.status().subscription === "disconnected", "the disconnect");
    const gauge = async () => (await metrics.subscriptionConnected.get()).values[0]?.value;
    expect(await gauge()).toBe(0);
    const second = await send(0, 1, "1");
    await anvil.mine(1);
    await anvil.mine(1);
    // Down: the follower polls every 100 ms.
    await waitUntil(processed(follower, 3), "blocks 2-3 by polling");

    proxy.resume();
    await waitUntil(() => follower.status().subscription === "connected", "the reconnect", 60_000);
    expect(await gauge()).toBe(1);
    await anvil.mine(1);
    await waitUntil(processed(follower, 4), "block 4 by push after the reconnect");

    expect(seen.blocks.map((block) => block.number)).toEqual([1, 2, 3, 4]);
    expect(seen.minedHashes()).toEqual([first, second]);
    expect((await pendingRow(chainId, first))?.status).toBe("mined");
  });
});
