/**
 * Topic names, versioned like message schemas: a breaking change gets a new topic, so old and new
 * consumers never read each other's messages.
 */
export const TOPICS = {
  transactions: "chainwatch.transactions.v1",
  scores: "chainwatch.scores.v1",
  anomalies: "chainwatch.anomalies.v1",
  transactionsDeadLetter: "chainwatch.transactions.dlq.v1",
  /** Chain follower: transactions of orphaned blocks (RetractionMessage), keyed by chain id. */
  retractions: "chainwatch.retractions.v1",
} as const;

/** The four topics of the scoring stream; apps take them from env so tests can use their own. */
export interface StreamTopics {
  /** Input: one TransactionMessage per transaction, keyed by tx hash. */
  transactions: string;
  /** Every score result (ScoreMessage), keyed by tx hash. */
  scores: string;
  /** Flagged results only (AnomalyMessage), keyed by tx hash. */
  anomalies: string;
  /** Poison input messages (DeadLetterMessage) with the reason and the original coordinates. */
  transactionsDeadLetter: string;
}

export const DEFAULT_STREAM_TOPICS: StreamTopics = { ...TOPICS };

/**
 * Partitions per topic when the app creates them. It caps how many workers of a group can consume in
 * parallel (one partition is read by one member), and changing it later remaps keys to partitions, so it
 * starts generous.
 */
export const DEFAULT_PARTITIONS = 6;

/** A `host:port,host:port` list (KAFKA_BROKERS) as brokers, blanks and spaces dropped. */
export function parseBrokerList(text: string): string[] {
  return text
    .split(",")
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
}
