export {
  createStreamAdmin,
  type GroupDescription,
  type GroupMember,
  type PartitionLag,
  type PartitionOffsets,
  type StreamAdmin,
  type TopicSpec,
} from "./admin.ts";
export {
  type BatchConsumer,
  type BatchConsumerOptions,
  type BatchControl,
  type BatchHandler,
  type ConsumedBatch,
  type ConsumedMessage,
  type ConsumerListeners,
  createBatchConsumer,
  type PartitionOffset,
  type TopicPartition,
} from "./batch-consumer.ts";
export { createKafkaClient, type KafkaClient, type KafkaClientOptions } from "./client.ts";
export {
  type AnomalyMessage,
  AnomalyMessageSchema,
  DEAD_LETTER_REASONS,
  type DeadLetterMessage,
  DeadLetterMessageSchema,
  type DeadLetterReason,
  type DecodeResult,
  decodeMessage,
  decodeTransactionMessage,
  decodeUtf8,
  encodeMessage,
  MESSAGE_SCHEMA_VERSION,
  type ScoreMessage,
  ScoreMessageSchema,
  type SourceOffset,
  type TransactionMessage,
  TransactionMessageSchema,
  transactionKey,
} from "./messages.ts";
export {
  createPublisher,
  KafkaUnavailableError,
  type OutgoingMessage,
  type Publisher,
  type PublisherOptions,
  type TopicMessages,
} from "./publisher.ts";
export { DEFAULT_PARTITIONS, DEFAULT_STREAM_TOPICS, type StreamTopics, TOPICS } from "./topics.ts";
