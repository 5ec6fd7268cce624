import { connect } from "node:net";
import { describe, it } from "vitest";

/** Connection settings for the real local services, with the same defaults as deploy/local/services.sh. */
export const serviceUrls = {
  redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  databaseUrl: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test",
  kafkaBrokers: (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",").map((broker) => broker.trim()),
};

export const isCI = process.env.CI === "true";

export type ServiceName = "redis" | "postgres" | "kafka";

function endpointOf(service: ServiceName): { host: string; port: number } {
  if (service === "kafka") {
    const [host = "127.0.0.1", port = "9092"] = (serviceUrls.kafkaBrokers[0] ?? "").split(":");
    return { host, port: Number(port) };
  }
  const url = new URL(service === "redis" ? serviceUrls.redisUrl : serviceUrls.databaseUrl);
  return { host: url.hostname, port: Number(url.port || (service === "redis" ? 6379 : 5432)) };
}

/** True when a TCP connection to the service's port opens within the timeout. */
export function isServiceReachable(service: ServiceName, timeoutMs = 1_500): Promise<boolean> {
  const { host, port } = endpointOf(service);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (isReachable: boolean) => {
      socket.destroy();
      resolve(isReachable);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once("connect", () => finish(true));
    socket.once("error", () => finish(false));
  });
}

/**
 * Declares an integration suite that needs real services. Locally a missing service skips the suite with
 * a reason; with CI=true it is a failing test, because CI must never pass by skipping.
 */
export async function describeWithServices(
  name: string,
  services: ServiceName[],
  body: () => void,
): Promise<void> {
  const missing: ServiceName[] = [];
  for (const service of services) {
    if (!(await isServiceReachable(service))) missing.push(service);
  }
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  const where = missing.map((service) => `${service} at ${JSON.stringify(endpointOf(service))}`).join(", ");
  if (isCI) {
    describe(name, () => {
      it("has its services", () => {
        throw new Error(
          `${where} not reachable; run 'bash deploy/local/services.sh up' (CI=true: a missing service fails)`,
        );
      });
    });
    return;
  }
  describe.skip(`${name} (skipped: ${where} not reachable; run 'bash deploy/local/services.sh up')`, body);
}

/** A name unique to this test run, for topics, groups, key prefixes and schemas. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
