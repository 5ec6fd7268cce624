import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export type ChainMetrics = ReturnType<typeof createChainMetrics>;

/**
 * The chain follower's view of one chain. `chain_id` is bounded by deployment (one follower per chain);
 * `method` by the handful of JSON-RPC methods the follower calls; reorg `depth` is capped at "10+".
 */
export function createChainMetrics(registry: Registry) {
  return {
    headBlock: new Gauge({
      name: "chain_head_block",
      help: "Newest block number the RPC node reported",
      labelNames: ["chain_id"],
      registers: [registry],
    }),
    processedBlock: new Gauge({
      name: "chain_processed_block",
      help: "Newest block number handed to the pipeline and checkpointed",
      labelNames: ["chain_id"],
      registers: [registry],
    }),
    lagBlocks: new Gauge({
      name: "chain_lag_blocks",
      help: "Head block minus processed block (confirmations included)",
      labelNames: ["chain_id"],
      registers: [registry],
    }),
    lagSeconds: new Gauge({
      name: "chain_lag_seconds",
      help: "Wall clock minus the timestamp of the newest processed block",
      labelNames: ["chain_id"],
      registers: [registry],
    }),
    blocksTotal: new Counter({
      name: "chain_blocks_total",
      help: "Blocks handed to the pipeline, by mode (follow, backfill)",
      labelNames: ["chain_id", "mode"],
      registers: [registry],
    }),
    transactionsTotal: new Counter({
      name: "chain_transactions_total",
      help: "Transactions handed to the pipeline, by mode (follow, backfill)",
      labelNames: ["chain_id", "mode"],
      registers: [registry],
    }),
    reorgsTotal: new Counter({
      name: "chain_reorgs_total",
      help: "Reorganisations handled, by depth in blocks (1..9, 10+)",
      labelNames: ["chain_id", "depth"],
      registers: [registry],
    }),
    retractedTransactionsTotal: new Counter({
      name: "chain_retracted_transactions_total",
      help: "Transactions of orphaned blocks retracted",
      labelNames: ["chain_id"],
      registers: [registry],
    }),
    rpcRequestsTotal: new Counter({
      name: "chain_rpc_requests_total",
      help: "JSON-RPC calls made (each attempt), by method",
      labelNames: ["method"],
      registers: [registry],
    }),
    rpcErrorsTotal: new Counter({
      name: "chain_rpc_errors_total",
      help: "JSON-RPC calls that failed, by method and error type (timeout, rate_limited, http, rpc, other)",
      labelNames: ["method", "error_type"],
      registers: [registry],
    }),
    blockToScoreSeconds: new Histogram({
      name: "chain_block_to_score_seconds",
      help: "From the poll that first saw a block to its transactions scored (or published, in Kafka mode)",
      labelNames: ["chain_id"],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    subscriptionConnected: new Gauge({
      name: "chain_subscription_connected",
      help: "1 while the WebSocket subscription (new heads, pending transactions) is open, 0 while polling only",
      labelNames: ["chain_id"],
      registers: [registry],
    }),
    mempoolSeenTotal: new Counter({
      name: "chain_mempool_seen_total",
      help: "Pending transactions announced by the node and handed to the pipeline with status pending",
      labelNames: ["chain_id"],
      registers: [registry],
    }),
    mempoolSkippedTotal: new Counter({
      name: "chain_mempool_skipped_total",
      help: "Announced pending transactions not scored before their block: full (the pending set is at its bound), gone (the node no longer has it or it was mined already), failed (fetch or hand-over failed)",
      labelNames: ["chain_id", "reason"],
      registers: [registry],
    }),
    mempoolResolvedTotal: new Counter({
      name: "chain_mempool_resolved_total",
      help: "Pending transactions resolved, by outcome: mined, replaced (same sender and nonce mined under another hash), dropped (not mined in time)",
      labelNames: ["chain_id", "outcome"],
      registers: [registry],
    }),
    mempoolPending: new Gauge({
      name: "chain_mempool_pending",
      help: "Pending transactions tracked in memory (bounded by CHAIN_MEMPOOL_MAX_PENDING)",
      labelNames: ["chain_id"],
      registers: [registry],
    }),
    mempoolLeadTimeSeconds: new Histogram({
      name: "chain_mempool_lead_time_seconds",
      help: "From a pending transaction seen to the block including it seen: how early it was scored",
      labelNames: ["chain_id"],
      buckets: [0.25, 0.5, 1, 2, 4, 8, 12, 15, 30, 60, 120, 300, 600],
      registers: [registry],
    }),
  };
}

/** Reorg depth as a bounded label value. */
export function reorgDepthLabel(depth: number): string {
  return depth >= 10 ? "10+" : String(depth);
}
