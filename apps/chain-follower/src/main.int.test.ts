import { fileURLToPath } from "node:url";
import { createTestWallet, describeWithAnvil, startAnvil } from "@chainwatch/chain/testing";
import { createKafkaClient, RetractionMessageSchema, TransactionMessageSchema } from "@chainwatch/kafka";
import { createLogger } from "@chainwatch/service-kit";
import {
  describeWithServices,
  freePort,
  serviceUrls,
  spawnService,
  uniqueName,
  waitForHttp,
} from "@chainwatch/testing";
import { expect, it } from "vitest";

const mainPath = fileURLToPath(new URL("./main.ts", import.meta.url));
const logger = createLogger({ name: "chain-follower-int", level: "silent" });
const CHAIN_ID = 31_337;

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

await describeWithServices("chain-follower app in Kafka mode", ["kafka", "postgres"], () => {
  describeWithAnvil("chain-follower app against anvil", () => {
    it("publishes each transaction keyed by sender and a retraction for an orphaned block", async () => {
      const anvil = await startAnvil({ chainId: CHAIN_ID, noMining: true });
      const transactionsTopic = uniqueName("cw_chain_tx");
      const retractionsTopic = uniqueName("cw_chain_retract");
      const healthPort = await freePort();
      const app = spawnService(mainPath, {
        CHAIN_RPC_URL: anvil.url,
        CHAIN_ID: String(CHAIN_ID),
        CHAIN_POLL_INTERVAL_MS: "100",
        CHAIN_START_BLOCK: "1",
        KAFKA_BROKERS: serviceUrls.kafkaBrokers.join(","),
        KAFKA_TOPIC_TRANSACTIONS: transactionsTopic,
        KAFKA_TOPIC_RETRACTIONS: retractionsTopic,
        KAFKA_TOPIC_PARTITIONS: "1",
        DATABASE_URL: serviceUrls.databaseUrl,
        DATABASE_SCHEMA: uniqueName("cw_follower").toLowerCase(),
        HEALTH_PORT: String(healthPort),
        HEALTH_HOST: "127.0.0.1",
      });
      const kafka = createKafkaClient({
        brokers: serviceUrls.kafkaBrokers,
        clientId: "chain-follower-int",
        logger,
      });
      const consumer = kafka.consumer({ groupId: uniqueName("cw_chain_reader") });
      const received: { topic: string; key: string; value: unknown }[] = [];
      try {
        await waitForHttp(`http://127.0.0.1:${healthPort}/health/ready`, { service: app, timeoutMs: 60_000 });
        await consumer.connect();
        await consumer.subscribe({ topics: [transactionsTopic, retractionsTopic], fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ topic, message }) => {
            received.push({
              topic,
              key: message.key?.toString("utf8") ?? "",
              value: JSON.parse(message.value?.toString("utf8") ?? "null"),
            });
          },
        });
        const wallet = createTestWallet(anvil.url, CHAIN_ID);
        const legacy = await wallet.legacy(0);
        const setCode = await wallet.setCode(2);
        await anvil.mine(1);
        await waitUntil(() => received.filter((m) => m.topic === transactionsTopic).length === 2, "2 inputs");

        const inputs = received.filter((m) => m.topic === transactionsTopic);
        const byHash = new Map(
          inputs.map((m) => [TransactionMessageSchema.parse(m.value).transaction.hash, m]),
        );
        expect(byHash.get(legacy)?.key).toBe(wallet.address(0));
        expect(byHash.get(setCode)?.key).toBe(wallet.address(2));
        expect(TransactionMessageSchema.parse(byHash.get(setCode)?.value)).toMatchObject({
          schemaVersion: 1,
          source: "chain-follower",
          transaction: { type: "0x4", blockNumber: "0x1", from: wallet.address(2) },
        });

        await anvil.rpc("anvil_reorg", [1, []]);
        await waitUntil(() => received.some((m) => m.topic === retractionsTopic), "the retraction");
        const retraction = RetractionMessageSchema.parse(
          received.find((m) => m.topic === retractionsTopic)?.value,
        );
        expect(retraction).toMatchObject({ chainId: CHAIN_ID, ancestor: { number: 0 } });
        expect(retraction.txHashes).toEqual([legacy, setCode].sort());
        expect(retraction.orphanedBlocks.map((block) => block.number)).toEqual([1]);
        expect(received.find((m) => m.topic === retractionsTopic)?.key).toBe(String(CHAIN_ID));

        // The retraction is published before the follower records it and takes the new block 1.
        let health: Record<string, unknown> = {};
        const healthDeadline = Date.now() + 30_000;
        while (Date.now() < healthDeadline && !(health.reorgs === 1 && health.processedBlock === 1)) {
          health = (await (await fetch(`http://127.0.0.1:${healthPort}/health`)).json()) as Record<
            string,
            unknown
          >;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(health).toMatchObject({ chainId: CHAIN_ID, reorgs: 1, processedBlock: 1, lastReorgDepth: 1 });
        expect(await app.stop()).toBe(0);
      } finally {
        await consumer.disconnect().catch(() => {});
        await app.stop();
        await anvil.stop();
      }
    });

    it("in mempool mode over WebSocket publishes a transaction while pending, then mined, in that order on its sender's partition", async () => {
      const anvil = await startAnvil({ chainId: CHAIN_ID, noMining: true });
      const transactionsTopic = uniqueName("cw_chain_tx");
      const healthPort = await freePort();
      const app = spawnService(mainPath, {
        CHAIN_RPC_URL: anvil.url,
        CHAIN_WS_URL: `ws://127.0.0.1:${anvil.port}`,
        CHAIN_MEMPOOL: "true",
        CHAIN_ID: String(CHAIN_ID),
        CHAIN_POLL_INTERVAL_MS: "100",
        CHAIN_START_BLOCK: "1",
        KAFKA_BROKERS: serviceUrls.kafkaBrokers.join(","),
        KAFKA_TOPIC_TRANSACTIONS: transactionsTopic,
        KAFKA_TOPIC_RETRACTIONS: uniqueName("cw_chain_retract"),
        KAFKA_TOPIC_PARTITIONS: "3",
        DATABASE_URL: serviceUrls.databaseUrl,
        DATABASE_SCHEMA: uniqueName("cw_follower").toLowerCase(),
        HEALTH_PORT: String(healthPort),
        HEALTH_HOST: "127.0.0.1",
      });
      const kafka = createKafkaClient({
        brokers: serviceUrls.kafkaBrokers,
        clientId: "chain-follower-int",
        logger,
      });
      const consumer = kafka.consumer({ groupId: uniqueName("cw_chain_reader") });
      const received: { key: string; partition: number; offset: bigint; value: unknown }[] = [];
      const health = async () =>
        (await (await fetch(`http://127.0.0.1:${healthPort}/health`)).json()) as Record<string, unknown>;
      try {
        await waitForHttp(`http://127.0.0.1:${healthPort}/health/ready`, { service: app, timeoutMs: 60_000 });
        await consumer.connect();
        await consumer.subscribe({ topics: [transactionsTopic], fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ partition, message }) => {
            received.push({
              key: message.key?.toString("utf8") ?? "",
              partition,
              offset: BigInt(message.offset),
              value: JSON.parse(message.value?.toString("utf8") ?? "null"),
            });
          },
        });
        let status: Record<string, unknown> = {};
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline && status.subscription !== "connected") {
          status = await health();
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(status.subscription).toBe("connected");

        const wallet = createTestWallet(anvil.url, CHAIN_ID);
        const hash = await wallet.eip1559(1, "0.3");
        await waitUntil(() => received.length === 1, "the pending input");
        await anvil.mine(1);
        await waitUntil(() => received.length === 2, "the mined input");

        const [pending, mined] = received;
        expect(TransactionMessageSchema.parse(pending?.value).transaction).toMatchObject({
          hash,
          status: "pending",
          blockNumber: null,
          from: wallet.address(1),
        });
        expect(TransactionMessageSchema.parse(mined?.value).transaction).toMatchObject({
          hash,
          blockNumber: "0x1",
        });
        expect([pending?.key, mined?.key]).toEqual([wallet.address(1), wallet.address(1)]);
        expect(mined?.partition).toBe(pending?.partition);
        expect((mined?.offset ?? 0n) > (pending?.offset ?? 0n)).toBe(true);
        expect((await health()).mempool).toMatchObject({ seen: 1, mined: 1, replaced: 0, dropped: 0 });
        expect(await app.stop()).toBe(0);
      } finally {
        await consumer.disconnect().catch(() => {});
        await app.stop();
        await anvil.stop();
      }
    });

    it("refuses to start against a node of another chain, saying which", async () => {
      const anvil = await startAnvil({ chainId: 5, noMining: true });
      try {
        const app = spawnService(mainPath, {
          CHAIN_RPC_URL: anvil.url,
          CHAIN_ID: "1",
          KAFKA_BROKERS: serviceUrls.kafkaBrokers.join(","),
          KAFKA_TOPIC_TRANSACTIONS: uniqueName("cw_chain_tx"),
          KAFKA_TOPIC_RETRACTIONS: uniqueName("cw_chain_retract"),
          KAFKA_TOPIC_PARTITIONS: "1",
          DATABASE_URL: serviceUrls.databaseUrl,
          DATABASE_SCHEMA: uniqueName("cw_follower").toLowerCase(),
          HEALTH_PORT: String(await freePort()),
        });
        const code = await new Promise<number | null>((resolve) => app.child.once("exit", resolve));
        expect(code).toBe(1);
        expect(app.output()).toContain("the RPC node serves chain 5, but CHAIN_ID is 1");
      } finally {
        await anvil.stop();
      }
    });
  });
});
