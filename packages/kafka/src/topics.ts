/**
 * Topic names, versioned like message schemas: a breaking change gets a new topic, so old and new
 * consumers never read each other's messages.
 */
export const TOPICS = {
  transactions: "chainwatch.transactions.v1",
  scores: "chainwatch.scores.v1",
  anomalies: "chainwatch.anomalies.v1",
  transactionsDeadLetter: "chainwatch.transactions.dlq.v1",
} as const;
