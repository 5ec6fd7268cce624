import {
  encodeMessage,
  inputMessageKey,
  MESSAGE_SCHEMA_VERSION,
  type RetractionMessage,
  type TransactionMessage,
} from "@chainwatch/kafka/formats";
import type { ChainBlockRef, ChainCheckpoint } from "@chainwatch/store";
import type { FollowedBlock } from "./rpc-block.ts";

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
}

/** In process (the gateway's embedded mode): the callbacks score and store before resolving. */
export function createCallbackSink(callbacks: {
  onBlock: (block: FollowedBlock) => Promise<void>;
  onRetract?: (retraction: ChainRetraction) => Promise<void>;
}): ChainSink {
  return {
    deliver: (block) => callbacks.onBlock(block),
    retract: async (retraction) => {
      await callbacks.onRetract?.(retraction);
    },
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
  return {
    async deliver(block) {
      if (block.transactions.length === 0) return;
      const publishedAt = now().toISOString();
      const messages = block.transactions.map((transaction) => {
        const message: TransactionMessage = {
          schemaVersion: MESSAGE_SCHEMA_VERSION,
          transaction,
          source: CHAIN_FOLLOWER_SOURCE,
          publishedAt,
        };
        return { key: inputMessageKey(transaction), value: encodeMessage(message) };
      });
      await options.publisher.publish([{ topic: options.transactionsTopic, messages }]);
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
