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
  type MessageHeaders,
  type PartitionOffset,
  type TopicPartition,
  type UndecodableBatch,
} from "./batch-consumer.ts";
export {
  createKafkaClient,
  createKafkaClientFromEnv,
  type KafkaClient,
  type KafkaClientOptions,
  type KafkaConnectionEnv,
} from "./client.ts";
// Topics, message schemas and keys live in formats.ts, so code that never connects can import them alone.
export * from "./formats.ts";
export { keyPartitioner, murmur2, partitionForKey } from "./partitioner.ts";
export {
  createPublisher,
  isKafkaPublishRejectedError,
  isMessageRejection,
  KafkaPublishRejectedError,
  KafkaUnavailableError,
  kafkaErrorType,
  type OutgoingMessage,
  type Publisher,
  type PublisherOptions,
  type RejectedMessage,
  type TopicMessages,
} from "./publisher.ts";
