import type {
  ChainFollower,
  ChainFollowerStatus,
  FollowedBlock,
  PipelineTransaction,
} from "@chainwatch/chain";
import { createChainMetrics, type Registry } from "@chainwatch/metrics";
import type { PipelineItem, ScoredItem, TransactionPipeline } from "@chainwatch/scoring";
import type { Logger } from "@chainwatch/service-kit";
import {
  createChainStateRepository,
  createPendingTransactionsRepository,
  type Database,
  type RecordOrigin,
} from "@chainwatch/store";
import type { GatewayEnv } from "../env.ts";
import type { DependencyCheck } from "../http/dependencies.ts";

export interface EmbeddedChainFollow {
  follower: ChainFollower;
  /** /health shows the follower's progress; never required (reads and the API work without it). */
  dependency: DependencyCheck;
  status(): ChainFollowerStatus;
}

/**
 * CHAIN_RPC_URL on the embedded gateway: follow that chain and score each block in process, through the
 * same durable pipeline as embedded ingest, before the block is checkpointed. A failed block (database
 * down, model broken) is retried by the follower with backoff; nothing after it is scored meanwhile. The
 * chain client (viem) is imported only when a chain is followed.
 */
export async function createEmbeddedChainFollow(options: {
  env: GatewayEnv;
  logger: Logger;
  registry: Registry;
  database: Database;
  pipeline: TransactionPipeline;
  /** After orphaned transactions were marked removed (the gateway drops cached anomaly pages). */
  onRetracted?: () => Promise<void>;
  /**
   * After a block's or a pending batch's transactions were scored and stored: the gateway queues their
   * alerts. The outbox holds one alert per destination and hash, so a mined transaction whose pending
   * result already alerted is not alerted again.
   */
  afterScored?: (scored: readonly ScoredItem<number>[]) => Promise<void>;
}): Promise<EmbeddedChainFollow | undefined> {
  const { env } = options;
  if (!env.CHAIN_RPC_URL) return undefined;
  const logger = options.logger.child({ component: "chain-follow" });
  if (env.KAFKA_BROKERS) {
    logger.warn({}, "CHAIN_RPC_URL is ignored in Kafka mode: run apps/chain-follower to publish the chain");
    return undefined;
  }
  const { createCallbackSink, createChainFollowerFromEnv } = await import("@chainwatch/chain");
  const scoreAll = async (transactions: PipelineTransaction[], requestId: string, block: number | null) => {
    if (transactions.length === 0) return;
    const origin: RecordOrigin = { source: "stream", requestId };
    const items: PipelineItem<number>[] = transactions.map((payload, ref) => ({ ref, payload, origin }));
    const outcome = await options.pipeline.process(items);
    // Invalid or unscoreable transactions cannot succeed on retry: logged and counted, the block goes on.
    if (outcome.rejected.length > 0)
      logger.warn(
        { block, rejected: outcome.rejected.length, first: outcome.rejected[0]?.message },
        "chain transactions not scored",
      );
    if (options.afterScored && outcome.scored.length > 0) await options.afterScored(outcome.scored);
  };
  const score = (block: FollowedBlock) =>
    scoreAll(block.transactions, `chain:${block.chainId}:${block.number}`, block.number);
  const follower = createChainFollowerFromEnv(env, {
    state: createChainStateRepository(options.database),
    sink: createCallbackSink({
      onBlock: score,
      onRetract: async () => {
        await options.onRetracted?.();
      },
      onPending: (transactions) => scoreAll(transactions, `chain:${env.CHAIN_ID}:pending`, null),
    }),
    pending: createPendingTransactionsRepository(options.database),
    // Not the child above: the follower and its RPC client name their own components.
    logger: options.logger,
    metrics: createChainMetrics(options.registry),
  });
  return {
    follower,
    status: () => follower.status(),
    dependency: {
      name: "chain",
      isRequired: false,
      check: async () => {
        const status = follower.status();
        return { isUp: status.isRunning && status.lastError === null, detail: { ...status } };
      },
    },
  };
}
