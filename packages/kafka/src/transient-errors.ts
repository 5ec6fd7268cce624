/**
 * Errors a broker answers with while a partition's leader or a group's coordinator is being elected or
 * loaded (after a topic is created, a broker restarts, or a fresh cluster hosts its first group). They
 * clear up by themselves within seconds; anything else is a real failure.
 */
export const TRANSIENT_ERROR_TYPES: ReadonlySet<string> = new Set([
  "NOT_LEADER_FOR_PARTITION",
  "LEADER_NOT_AVAILABLE",
  "UNKNOWN_TOPIC_OR_PARTITION",
  // kafkajs's names for codes 16, 15 and 14 (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE,
  // COORDINATOR_LOAD_IN_PROGRESS in Kafka's own protocol docs).
  "NOT_COORDINATOR_FOR_GROUP",
  "GROUP_COORDINATOR_NOT_AVAILABLE",
  "GROUP_LOAD_IN_PROGRESS",
]);

interface KafkaErrorShape {
  type?: unknown;
  retriable?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/**
 * True when the error (or one it wraps: kafkajs puts the original in `cause` when its own retries run
 * out, and several in `errors` for an aggregate) is a retriable kafkajs error of a transient type.
 */
export function isTransientKafkaError(error: unknown, depth = 0): boolean {
  if (typeof error !== "object" || error === null || depth > 5) return false;
  const { type, retriable, cause, errors } = error as KafkaErrorShape;
  if (typeof type === "string" && TRANSIENT_ERROR_TYPES.has(type) && retriable !== false) return true;
  if (Array.isArray(errors) && errors.length > 0) {
    return errors.every((inner: unknown) => isTransientKafkaError(inner, depth + 1));
  }
  return cause !== error && isTransientKafkaError(cause, depth + 1);
}
