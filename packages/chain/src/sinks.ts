import {
  encodeMessage,
  inputMessageKey,
  MESSAGE_SCHEMA_VERSION,
  type RetractionMessage,
  type TransactionMessage,
} from "@chainwatch/kafka/formats";
import type { ChainBlockRef, ChainCheckpoint } from "@chainwatch/store";
import type { FollowedBlock, PipelineTransaction } from "./rpc-block.ts";

export interface ChainRetraction {
  chainId: number;
  ancestor: ChainCheckpoint;
  /** Newest first. */
  orphanedBlocks: ChainBlockRef[];
  /** Distinct hashes of the orphaned blocks' transactions (sorted). */
  txHashes: string[];
}

/**
 * Where followed blocks go. The follower checkpoints a block only after `deliver` resolved, and records a
 * retraction only after `retract` resolved: both are at-least-once across a crash, so a sink must tolerate
 * a repeat (the pipeline's store write is idempotent; retraction consumers dedupe on the block hashes).
 * A rejection is retried with backoff by the follower; nothing after the block is delivered meanwhile.
 */
export interface ChainSink {
  deliver(block: FollowedBlock): Promise<void>;
  retract(retraction: ChainRetraction): Promise<void>;
  /**
   * Mempool mode: transactions announced as pending (`status: "pending"`, no block), scored like any
   * input so an alert can fire before the block. Best effort: a rejection is logged and counted, not
   * retried (the transaction is scored anyway once mined).
   */
  deliverPending?(transactions: PipelineTransaction[]): Promise<void>;
}

/** In process (the gateway's embedded mode): the callbacks score and store before resolving. */
export function createCallbackSink(callbacks: {
  onBlock: (block: FollowedBlock) => Promise<void>;
  onRetract?: (retraction: ChainRetraction) => Promise<void>;
  onPending?: (transactions: PipelineTransaction[]) => Promise<void>;
}): ChainSink {
  const { onPending } = callbacks;
  return {
    deliver: (block) => callbacks.onBlock(block),
    retract: async (retraction) => {
      await callbacks.onRetract?.(retraction);
    },
    ...(onPending ? { deliverPending: (transactions) => onPending(transactions) } : {}),
  };
}

/** The slice of @chainwatch/kafka's Publisher the sink needs (kafkajs stays out of this package). */
export interface SinkPublisher {
  publish(batches: { topic: string; messages: { key: string; value: string }[] }[]): Promise<unknown>;
}

export const CHAIN_FOLLOWER_SOURCE = "chain-follower";

/**
 * Kafka mode: each transaction becomes an input-topic message keyed by its sender, exactly like the
 * gateway's ingest (so one worker scores a sender's transactions in order); a retraction is one message on
 * the retractions topic keyed by chain id. `deliver` resolves once the brokers acknowledged (acks=all).
 */
export function createKafkaSink(options: {
  publisher: SinkPublisher;
  transactionsTopic: string;
  retractionsTopic: string;
  now?: () => Date;
}): ChainSink {
  const now = options.now ?? (() => new Date());
  async function publishTransactions(transactions: PipelineTransaction[]) {
    if (transactions.length === 0) return;
    const publishedAt = now().toISOString();
    const messages = transactions.map((transaction) => {
      const message: TransactionMessage = {
        schemaVersion: MESSAGE_SCHEMA_VERSION,
        transaction,
        source: CHAIN_FOLLOWER_SOURCE,
        publishedAt,
      };
      return { key: inputMessageKey(transaction), value: encodeMessage(message) };
    });
    await options.publisher.publish([{ topic: options.transactionsTopic, messages }]);
  }
  return {
    async deliver(block) {
      await publishTransactions(block.transactions);
    },
    async deliverPending(transactions) {
      // Same topic and key (the sender) as the mined ones: one partition holds a sender's pending and then
      // mined transaction in that order, so a worker never stores the pending content over the mined.
      await publishTransactions(transactions);
    },
    async retract(retraction) {
      const message: RetractionMessage = {
        schemaVersion: MESSAGE_SCHEMA_VERSION,
        chainId: retraction.chainId,
        ancestor: retraction.ancestor,
        orphanedBlocks: retraction.orphanedBlocks.map(({ number, hash }) => ({ number, hash })),
        txHashes: retraction.txHashes,
        retractedAt: now().toISOString(),
      };
      await options.publisher.publish([
        {
          topic: options.retractionsTopic,
          messages: [{ key: String(retraction.chainId), value: encodeMessage(message) }],
        },
      ]);
    },
  };
}
