import type { ChainMetrics } from "@chainwatch/metrics";
import type { Logger } from "@chainwatch/service-kit";
import type { PendingTransactionsRepository } from "@chainwatch/store";
import type { ChainEnv } from "./env.ts";
import { type ChainFollower, type ChainState, createChainFollower } from "./follower.ts";
import { createMempoolWatcher, type PendingState } from "./mempool.ts";
import { type ChainRpc, createChainRpc } from "./rpc.ts";
import type { ChainSink } from "./sinks.ts";
import { isWebSocketUrl } from "./ws-subscriptions.ts";

/** The RPC client from the CHAIN_* settings (CHAIN_RPC_URL must be set). */
export function createChainRpcFromEnv(
  env: ChainEnv,
  deps: { logger: Logger; metrics?: ChainMetrics; signal?: AbortSignal },
): ChainRpc {
  if (!env.CHAIN_RPC_URL) throw new Error("CHAIN_RPC_URL is not set");
  return createChainRpc({
    urls: env.CHAIN_RPC_URL,
    timeoutMs: env.CHAIN_RPC_TIMEOUT_MS,
    ...(env.CHAIN_RPC_MAX_REQUESTS_PER_SECOND > 0
      ? { maxRequestsPerSecond: env.CHAIN_RPC_MAX_REQUESTS_PER_SECOND }
      : {}),
    logger: deps.logger,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
}

/** A follower of CHAIN_RPC_URL with the CHAIN_* settings, handing blocks to `sink`. */
export function createChainFollowerFromEnv(
  env: ChainEnv,
  deps: {
    state: ChainState;
    sink: ChainSink;
    logger: Logger;
    metrics?: ChainMetrics;
    /** Mempool mode's record; required with CHAIN_MEMPOOL=true. */
    pending?: PendingState | PendingTransactionsRepository;
  },
): ChainFollower {
  if (env.CHAIN_ID === undefined) throw new Error("CHAIN_ID is not set");
  const rpc = createChainRpcFromEnv(env, deps);
  const subscriptionUrl = env.CHAIN_WS_URL ?? env.CHAIN_RPC_URL?.find(isWebSocketUrl);
  let mempool: ReturnType<typeof createMempoolWatcher> | undefined;
  if (env.CHAIN_MEMPOOL) {
    if (!deps.pending) throw new Error("CHAIN_MEMPOOL needs the pending transactions store");
    mempool = createMempoolWatcher({
      chainId: env.CHAIN_ID,
      rpc,
      sink: deps.sink,
      state: deps.pending,
      logger: deps.logger,
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
      maxPending: env.CHAIN_MEMPOOL_MAX_PENDING,
      dropAfterMs: env.CHAIN_MEMPOOL_DROP_AFTER_SECONDS * 1000,
      pollIntervalMs: env.CHAIN_POLL_INTERVAL_MS,
      hasPushSource: subscriptionUrl !== undefined,
    });
  }
  return createChainFollower({
    chainId: env.CHAIN_ID,
    rpc,
    ...(subscriptionUrl ? { subscriptionUrl } : {}),
    subscribedPollIntervalMs: env.CHAIN_SUBSCRIBED_POLL_INTERVAL_MS,
    ...(mempool ? { mempool } : {}),
    state: deps.state,
    sink: deps.sink,
    logger: deps.logger,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    confirmations: env.CONFIRMATIONS,
    pollIntervalMs: env.CHAIN_POLL_INTERVAL_MS,
    reorgWindowBlocks: env.CHAIN_REORG_WINDOW_BLOCKS,
    startBlock: env.CHAIN_START_BLOCK,
    prefetchBlocks: env.CHAIN_PREFETCH_BLOCKS,
  });
}
