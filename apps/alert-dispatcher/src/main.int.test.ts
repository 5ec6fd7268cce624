import { fileURLToPath } from "node:url";
import {
  alertMessageId,
  createDestinationRepository,
  createSecretBox,
  generateSigningSecret,
  PolicySchema,
} from "@chainwatch/alerts";
import { startReceiver } from "@chainwatch/alerts/testing";
import { createKafkaClient, createPublisher, createStreamAdmin } from "@chainwatch/kafka";
import { type AnomalyMessage, encodeMessage, transactionKey } from "@chainwatch/kafka/formats";
import { createLogger } from "@chainwatch/service-kit";
import { createPostgresDatabase, type Database, runMigrations } from "@chainwatch/store";
import {
  describeWithServices,
  freePort,
  type SpawnedService,
  serviceUrls,
  spawnService,
  uniqueName,
  waitForHttp,
} from "@chainwatch/testing";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, expect, it } from "vitest";
import { anomalyMessage } from "./testing/anomalies.ts";

const mainPath = fileURLToPath(new URL("./main.ts", import.meta.url));
const SECRET_KEY = Buffer.alloc(32, 9).toString("base64");
const logger = createLogger({ name: "alert-dispatcher-test", level: "silent" });

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

await describeWithServices(
  "alert dispatcher process (real Kafka and PostgreSQL)",
  ["kafka", "postgres"],
  () => {
    const topic = uniqueName("alerts.anomalies");
    const schema = uniqueName("alerts_app").toLowerCase();
    const groupId = uniqueName("alerts-group");
    const kafka = createKafkaClient({ brokers: serviceUrls.kafkaBrokers, clientId: "alerts-test", logger });
    const admin = createStreamAdmin({ kafka, logger });
    const publisher = createPublisher({ kafka, logger });
    const services: SpawnedService[] = [];
    let database: Database;

    const env = (port: string) => ({
      KAFKA_BROKERS: serviceUrls.kafkaBrokers.join(","),
      KAFKA_TOPIC_ANOMALIES: topic,
      KAFKA_ALERT_GROUP_ID: groupId,
      KAFKA_TOPIC_PARTITIONS: "3",
      DATABASE_URL: serviceUrls.databaseUrl,
      DATABASE_SCHEMA: schema,
      ALERT_SECRET_KEY: SECRET_KEY,
      ALERT_ALLOW_PRIVATE_TARGETS: "true",
      ALERT_POLL_INTERVAL_MS: "100",
      ALERT_RETRY_INITIAL_DELAY_MS: "200",
      ALERT_RETRY_MAX_DELAY_MS: "2000",
      ALERT_LEASE_MS: "5000",
      ALERT_DESTINATIONS_REFRESH_MS: "500",
      HEALTH_PORT: port,
      LOG_LEVEL: "warn",
    });
    const startDispatcher = async () => {
      const port = String(await freePort());
      const service = spawnService(mainPath, env(port));
      services.push(service);
      await waitForHttp(`http://127.0.0.1:${port}/health/ready`, { service, timeoutMs: 60_000 });
      return { service, port };
    };
    const publish = (messages: AnomalyMessage[]) =>
      publisher.publish([
        {
          topic,
          messages: messages.map((message) => ({
            key: transactionKey(message.hash),
            value: encodeMessage(message),
          })),
        },
      ]);

    beforeAll(async () => {
      await admin.ensureTopics([{ topic, numPartitions: 3 }]);
      database = await createPostgresDatabase({ connectionString: serviceUrls.databaseUrl, schema });
      await runMigrations(database);
    });
    afterAll(async () => {
      for (const service of services) await service.stop("SIGKILL");
      await publisher.close();
      await admin.deleteTopics([topic]).catch(() => {});
      await admin.close();
      await database.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await database.close();
    });

    it("loses nothing when a dispatcher is SIGKILLed mid-burst: every anomaly reaches the receiver, signed", async () => {
      const receiver = await startReceiver();
      const secret = generateSigningSecret();
      const destination = await createDestinationRepository(database).create(
        {
          name: "receiver",
          kind: "webhook",
          url: receiver.url,
          sealedSecret: createSecretBox({ key: SECRET_KEY }).seal(secret),
          policy: PolicySchema.parse({}),
          maxConcurrency: 8,
        },
        "test",
      );
      // A message that is no anomaly (poison) must not stop the partition behind it.
      await publisher.publish([{ topic, messages: [{ key: "poison", value: "not json" }] }]);
      const first = await startDispatcher();
      const burst = Array.from({ length: 3_000 }, () => anomalyMessage());
      for (let index = 0; index < burst.length; index += 500) await publish(burst.slice(index, index + 500));
      await waitUntil("the first deliveries", () => receiver.requests.length >= 300);
      await first.service.stop("SIGKILL");
      const atKill = receiver.requests.length;
      await startDispatcher();
      const expected = new Set(burst.map((message) => alertMessageId(destination.id, message.hash)));
      const delivered = () =>
        new Set(receiver.requests.map((request) => String(request.headers["webhook-id"])));
      await waitUntil("every anomaly delivered", () => delivered().size >= expected.size, 120_000);
      expect(delivered()).toEqual(expected);
      const verifier = new Webhook(secret);
      for (const request of receiver.requests.slice(0, 50))
        verifier.verify(request.body, {
          "webhook-id": String(request.headers["webhook-id"]),
          "webhook-timestamp": String(request.headers["webhook-timestamp"]),
          "webhook-signature": String(request.headers["webhook-signature"]),
        });
      const duplicates = receiver.requests.length - delivered().size;
      process.stdout.write(
        `SIGKILL mid-burst: ${burst.length} anomalies, ${atKill} delivered before the kill, ${receiver.requests.length} requests in all, ${duplicates} duplicates (same webhook-id)\n`,
      );
      // Duplicates are bounded by what the killed process had claimed and not recorded (ALERT_MAX_IN_FLIGHT).
      expect(duplicates).toBeLessThanOrEqual(256);
      await receiver.close();
    }, 240_000);
  },
);
