/**
 * Scored-to-delivered latency and delivery throughput of one alert-dispatcher process (docs/benchmarks.md,
 * "Alert delivery"). Needs the local Kafka and PostgreSQL. Run: `pnpm --filter @chainwatch/alert-dispatcher
 * bench`. Everything is created under unique names (topic, group, schema) and removed at the end.
 *
 * 1. Latency: anomalies published at a steady rate, each with `scoredAt` = the moment it is published (as a
 *    scoring worker stamps it just before publishing); latency = the receiver's arrival time − scoredAt.
 * 2. Throughput: a backlog published at once; deliveries per second from the first arrival to the last.
 * Baseline, same run, same receiver and concurrency: the same number of signed POSTs made directly (no
 * Kafka, no outbox), i.e. what the receiver and this machine allow at all.
 */
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import {
  createDestinationRepository,
  createHttpPoster,
  createSecretBox,
  createTargetGuard,
  generateSigningSecret,
  PolicySchema,
  signWebhook,
} from "@chainwatch/alerts";
import { startReceiver } from "@chainwatch/alerts/testing";
import { createKafkaClient, createPublisher, createStreamAdmin } from "@chainwatch/kafka";
import { encodeMessage, transactionKey } from "@chainwatch/kafka/formats";
import { createLogger } from "@chainwatch/service-kit";
import { createPostgresDatabase, runMigrations } from "@chainwatch/store";
import { freePort, serviceUrls, spawnService, uniqueName, waitForHttp } from "@chainwatch/testing";
import { anomalyMessage } from "../testing/anomalies.ts";

const LATENCY_RATE_PER_SECOND = Number(process.env.BENCH_RATE ?? 50);
const LATENCY_SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 10_000);
const CONCURRENCY = 8;
const SECRET_KEY = Buffer.alloc(32, 5).toString("base64");

const logger = createLogger({ name: "alert-bench", level: "warn" });
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
/** The 1-minute load average: this machine is shared, so every figure is printed with it. */
const load = () => loadavg()[0]?.toFixed(1) ?? "?";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const topic = uniqueName("bench.alerts");
  const schema = uniqueName("alerts_bench").toLowerCase();
  const kafka = createKafkaClient({ brokers: serviceUrls.kafkaBrokers, clientId: "alert-bench", logger });
  const admin = createStreamAdmin({ kafka, logger });
  const publisher = createPublisher({ kafka, logger });
  const database = await createPostgresDatabase({ connectionString: serviceUrls.databaseUrl, schema });
  const receiver = await startReceiver();
  await admin.ensureTopics([{ topic, numPartitions: 6 }]);
  await runMigrations(database);
  const secret = generateSigningSecret();
  await createDestinationRepository(database).create(
    {
      name: "bench",
      kind: "webhook",
      url: receiver.url,
      sealedSecret: createSecretBox({ key: SECRET_KEY }).seal(secret),
      policy: PolicySchema.parse({}),
      maxConcurrency: CONCURRENCY,
    },
    "bench",
  );
  const port = String(await freePort());
  const dispatcher = spawnService(fileURLToPath(new URL("../main.ts", import.meta.url)), {
    KAFKA_BROKERS: serviceUrls.kafkaBrokers.join(","),
    KAFKA_TOPIC_ANOMALIES: topic,
    KAFKA_ALERT_GROUP_ID: uniqueName("alert-bench"),
    DATABASE_URL: serviceUrls.databaseUrl,
    DATABASE_SCHEMA: schema,
    ALERT_SECRET_KEY: SECRET_KEY,
    ALERT_ALLOW_PRIVATE_TARGETS: "true",
    HEALTH_PORT: port,
    LOG_LEVEL: "warn",
  });
  const scoredAtOf = (body: string) =>
    Date.parse((JSON.parse(body) as { data: { scoredAt: string } }).data.scoredAt);
  const publish = (count: number) => {
    const messages = Array.from({ length: count }, () => anomalyMessage());
    return publisher.publish([
      { topic, messages: messages.map((m) => ({ key: transactionKey(m.hash), value: encodeMessage(m) })) },
    ]);
  };
  try {
    await waitForHttp(`http://127.0.0.1:${port}/health/ready`, { service: dispatcher, timeoutMs: 60_000 });

    // 1. Latency at a steady rate.
    const latencyTotal = LATENCY_RATE_PER_SECOND * LATENCY_SECONDS;
    const tickMs = 100;
    const perTick = Math.max(1, Math.round((LATENCY_RATE_PER_SECOND * tickMs) / 1000));
    for (let sent = 0; sent < latencyTotal; sent += perTick) {
      await publish(Math.min(perTick, latencyTotal - sent));
      await sleep(tickMs);
    }
    while (receiver.requests.length < latencyTotal) await sleep(50);
    const latencies = receiver.requests.map((r) => r.receivedAt - scoredAtOf(r.body)).sort((a, b) => a - b);
    const latencyLoad = load();

    // 2. Throughput from a backlog.
    receiver.requests.length = 0;
    const backlogStart = Date.now();
    for (let sent = 0; sent < BACKLOG; sent += 1_000) await publish(Math.min(1_000, BACKLOG - sent));
    while (receiver.requests.length < BACKLOG) await sleep(50);
    const first = Math.min(...receiver.requests.map((r) => r.receivedAt));
    const last = Math.max(...receiver.requests.map((r) => r.receivedAt));
    const throughput = BACKLOG / ((last - first) / 1000);
    const endToEnd = BACKLOG / ((last - backlogStart) / 1000);
    const throughputLoad = load();

    // Baseline: the same POSTs, signed, straight to the receiver at the same concurrency.
    receiver.requests.length = 0;
    const poster = createHttpPoster({ guard: createTargetGuard({ allowPrivate: true, allowedHosts: [] }) });
    const bodies = Array.from({ length: BACKLOG }, () =>
      JSON.stringify({ type: "anomaly.detected", data: anomalyMessage() }),
    );
    let next = 0;
    const baselineStart = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < bodies.length) {
          const index = next++;
          const body = bodies[index] ?? "";
          const headers = signWebhook(secret, `msg_${index}`, Math.floor(Date.now() / 1000), body);
          await poster.post(receiver.url, body, { ...headers }, 5_000);
        }
      }),
    );
    const baseline = BACKLOG / ((performance.now() - baselineStart) / 1000);
    poster.close();

    const ms = (value: number) => `${Math.round(value)} ms`;
    const report = {
      latency: {
        alerts: latencyTotal,
        ratePerSecond: LATENCY_RATE_PER_SECOND,
        p50: ms(quantile(latencies, 0.5)),
        p95: ms(quantile(latencies, 0.95)),
        p99: ms(quantile(latencies, 0.99)),
        max: ms(latencies.at(-1) ?? NaN),
        loadAverage: latencyLoad,
      },
      throughput: {
        backlog: BACKLOG,
        deliveriesPerSecond: Math.round(throughput),
        publishToLastDeliveryPerSecond: Math.round(endToEnd),
        directPostBaselinePerSecond: Math.round(baseline),
        ratioToBaseline: Number((throughput / baseline).toFixed(2)),
        concurrency: CONCURRENCY,
        loadAverage: throughputLoad,
      },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await dispatcher.stop("SIGTERM");
    await receiver.close();
    await publisher.close();
    await admin.deleteTopics([topic]).catch(() => {});
    await admin.close();
    await database.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await database.close();
  }
}

await main();
