/**
 * Topic names, message schemas and keys without the Kafka client: for code that formats or checks stream
 * messages but may never connect (the gateway in embedded mode), so it does not load kafkajs at start.
 */

export { kafkaEnvFragment, kafkaTopicName } from "./env.ts";
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
  inputMessageKey,
  MESSAGE_SCHEMA_VERSION,
  type RetractionMessage,
  RetractionMessageSchema,
  type ScoreMessage,
  ScoreMessageSchema,
  type SourceOffset,
  type TransactionMessage,
  TransactionMessageSchema,
  transactionKey,
  type VerdictReason,
  VerdictReasonSchema,
} from "./messages.ts";
export {
  DEFAULT_PARTITIONS,
  DEFAULT_STREAM_TOPICS,
  parseBrokerList,
  type StreamTopics,
  TOPICS,
} from "./topics.ts";
