import type { ChainMetrics } from "@chainwatch/metrics";
import type { Logger } from "@chainwatch/service-kit";
import type { ChainEnv } from "./env.ts";
import { type ChainFollower, type ChainState, createChainFollower } from "./follower.ts";
import { type ChainRpc, createChainRpc } from "./rpc.ts";
import type { ChainSink } from "./sinks.ts";

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
  deps: { state: ChainState; sink: ChainSink; logger: Logger; metrics?: ChainMetrics },
): ChainFollower {
  if (env.CHAIN_ID === undefined) throw new Error("CHAIN_ID is not set");
  return createChainFollower({
    chainId: env.CHAIN_ID,
    rpc: createChainRpcFromEnv(env, deps),
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
