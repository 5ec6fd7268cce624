import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createTestWallet, describeWithAnvil, startAnvil } from "@chainwatch/chain/testing";
import { createKafkaClient, TransactionMessageSchema } from "@chainwatch/kafka";
import { createLogger } from "@chainwatch/service-kit";
import { describeWithServices, serviceUrls, uniqueName } from "@chainwatch/testing";
import { expect, it } from "vitest";

const run = promisify(execFile);
const cliPath = fileURLToPath(new URL("./cli.ts", import.meta.url));
const logger = createLogger({ name: "backfill-cli-int", level: "silent" });
const CHAIN_ID = 31_337;

await describeWithServices("backfill CLI in Kafka mode", ["kafka", "postgres"], () => {
  describeWithAnvil("backfill CLI against anvil", () => {
    it("publishes a range once, reports progress, and a rerun resumes with nothing left to do", async () => {
      const anvil = await startAnvil({ chainId: CHAIN_ID, noMining: true });
      const topic = uniqueName("cw_backfill_tx");
      const env = {
        ...process.env,
        CHAIN_RPC_URL: anvil.url,
        CHAIN_ID: String(CHAIN_ID),
        DATABASE_URL: serviceUrls.databaseUrl,
        DATABASE_SCHEMA: uniqueName("cw_backfill").toLowerCase(),
        // Logs on: they must go to stderr, never between the summary JSON on stdout.
        LOG_LEVEL: "info",
        KAFKA_BROKERS: serviceUrls.kafkaBrokers.join(","),
        KAFKA_TOPIC_TRANSACTIONS: topic,
        KAFKA_TOPIC_RETRACTIONS: uniqueName("cw_backfill_retract"),
      };
      const kafka = createKafkaClient({
        brokers: serviceUrls.kafkaBrokers,
        clientId: "backfill-int",
        logger,
      });
      const admin = kafka.admin();
      try {
        const wallet = createTestWallet(anvil.url, CHAIN_ID);
        const sent: string[] = [];
        for (let block = 1; block <= 8; block++) {
          sent.push(await wallet.eip1559(block % 3, "0.01"));
          await anvil.mine(1);
        }
        const first = await run(
          process.execPath,
          [cliPath, "backfill", "--from", "1", "--to", "8", "--concurrency", "3"],
          { env },
        );
        expect(JSON.parse(first.stdout)).toMatchObject({ isComplete: true, blocksDone: 8, transactions: 8 });
        expect(first.stderr).toContain("backfill 1..8: 8/8 blocks (100.0 %)");

        const again = await run(process.execPath, [cliPath, "backfill", "--from", "1", "--to", "8"], { env });
        expect(JSON.parse(again.stdout)).toMatchObject({ isComplete: true, blocksDone: 0, startedAt: 9 });

        await admin.connect();
        const offsets = await admin.fetchTopicOffsets(topic);
        const total = offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
        expect(total).toBe(8);
        const consumer = kafka.consumer({ groupId: uniqueName("cw_backfill_reader") });
        const hashes: string[] = [];
        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ message }) => {
            hashes.push(
              TransactionMessageSchema.parse(JSON.parse(message.value?.toString() ?? "")).transaction
                .hash as string,
            );
          },
        });
        const deadline = Date.now() + 30_000;
        while (hashes.length < 8 && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 100));
        await consumer.disconnect();
        expect(hashes.sort()).toEqual([...sent].sort());
      } finally {
        await admin.disconnect().catch(() => {});
        await anvil.stop();
      }
    });

    it("answers bad usage with exit code 2 and the help", async () => {
      const failure = await run(process.execPath, [cliPath, "backfill", "--from", "9", "--to", "3"]).catch(
        (error: { code: number; stderr: string }) => error,
      );
      expect(failure).toMatchObject({ code: 2 });
      expect((failure as { stderr: string }).stderr).toContain("--to must not be below --from");
    });
  });
});
