export { createKafkaClient, type KafkaClientOptions } from "./client.ts";
export { TOPICS } from "./topics.ts";
