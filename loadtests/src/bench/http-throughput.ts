import { request } from "node:http";
import { fileURLToPath } from "node:url";
import { poolHash, transactionFor } from "../data/transactions.ts";
import { loadAverages, type MachineInfo, machineInfo } from "../machine.ts";
import { fetchMetrics, sampleValue } from "../metrics/prometheus.ts";
import { cpuTimeMs, sampleRss, spawnNode, waitForOutput } from "../processes/child-service.ts";
import { createApiKeys, startGateway } from "../processes/gateway.ts";
import { type LoadResult, runLoad } from "./load.ts";

export interface ThroughputOptions {
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  /** Connections for the 1000-item batch runs (each request is ~200 KB in, ~300 KB out). */
  batchConnections: number;
  batchSize: number;
  /** Extra gateway settings (e.g. REDIS_URL). */
  gatewayEnv?: Record<string, string>;
  /** Another checkout's gateway entry point (a baseline in the same run). */
  gatewayMain?: string;
}

export interface VariantResult extends LoadResult {
  name: string;
  /** Transactions scored per second (batch variants: answered requests × batch size; non-2xx excluded). */
  transactionsPerSecond: number;
  /** requests/s over the bare-Express ceiling's. */
  ratioToCeiling: number;
  /** Largest RSS of the server process during the run. */
  serverPeakRssBytes?: number;
  /** Server CPU (user + system) per request, from /proc: independent of what else ran on the machine. */
  serverCpuUsPerRequest?: number;
  /** Requests per CPU-second of the server: the rate one process would reach with a core to itself. */
  requestsPerCpuSecond?: number;
  /** requestsPerCpuSecond over the ceiling's. */
  cpuRatioToCeiling?: number;
  load: number[];
}

export interface ThroughputResult {
  machine: MachineInfo;
  options: ThroughputOptions;
  variants: VariantResult[];
  /** One 1000-item batch response: bytes on the wire with and without gzip. */
  gzip?: { identityBytes: number; gzipBytes: number; reduction: number };
  /** Write-behind records dropped because the embedded database could not keep up (from /metrics). */
  writeQueueDropped: number;
}

const BARE_EXPRESS = fileURLToPath(new URL("./bare-express.ts", import.meta.url));

/** 64 hex digits: 16 that change per request, 48 that number the item (batch) or stay zero. */
const fresh = (counter: number, item = 0) =>
  `0x${(0x8000000000000000n + BigInt(counter)).toString(16)}${item.toString(16).padStart(48, "0")}`;

/**
 * A batch body template: the 16 per-request digits of every hash are a placeholder, replaced per request
 * with one `replaceAll` (building 1000 objects per request would load the load generator instead).
 */
function batchTemplate(size: number): { template: string; placeholder: string } {
  const placeholder = "Z".repeat(16);
  const transactions = Array.from({ length: size }, (_, item) => {
    const tx = transactionFor(fresh(item, item));
    return { ...tx, hash: `0x${placeholder}${item.toString(16).padStart(48, "0")}` };
  });
  return { template: JSON.stringify({ transactions }), placeholder };
}

export async function runHttpThroughput(
  options: ThroughputOptions,
  log: (line: string) => void = () => {},
): Promise<ThroughputResult> {
  const variants: VariantResult[] = [];
  const measure = async (
    name: string,
    pid: number,
    load: Parameters<typeof runLoad>[0],
    itemsPerRequest = 1,
  ): Promise<VariantResult> => {
    if (options.warmupSeconds > 0) await runLoad({ ...load, durationSeconds: options.warmupSeconds });
    const rss = sampleRss(pid);
    const loadBefore = loadAverages();
    const cpuBefore = cpuTimeMs(pid);
    const result = await runLoad({ ...load, durationSeconds: options.durationSeconds });
    const cpuAfter = cpuTimeMs(pid);
    const serverPeakRssBytes = rss.stop();
    const cpuMs = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
    const requestsPerCpuSecond = cpuMs ? result.requests / (cpuMs / 1000) : undefined;
    const ceiling = variants[0]?.requestsPerSecond ?? result.requestsPerSecond;
    const cpuCeiling = variants[0] ? variants[0].requestsPerCpuSecond : requestsPerCpuSecond;
    const variant: VariantResult = {
      name,
      ...result,
      // Answered ones only: a shed request (503 STORE_BACKLOGGED, 429) scored nothing.
      transactionsPerSecond: ((result.requests - result.non2xx) / result.durationSeconds) * itemsPerRequest,
      ratioToCeiling: result.requestsPerSecond / ceiling,
      ...(serverPeakRssBytes !== undefined ? { serverPeakRssBytes } : {}),
      ...(cpuMs && requestsPerCpuSecond
        ? {
            serverCpuUsPerRequest: (cpuMs * 1000) / result.requests,
            requestsPerCpuSecond,
            ...(cpuCeiling ? { cpuRatioToCeiling: requestsPerCpuSecond / cpuCeiling } : {}),
          }
        : {}),
      load: loadBefore,
    };
    variants.push(variant);
    log(formatVariant(variant));
    return variant;
  };

  const single = JSON.stringify(transactionFor(poolHash("cafe0001", 1)));
  const jsonHeaders = { "content-type": "application/json", "accept-encoding": "gzip" };

  // 1. Ceiling: bare Express, same request bytes.
  const bare = spawnNode("bare-express", BARE_EXPRESS, {});
  try {
    const url = (await waitForOutput(bare, /ready at (http:\/\/\S+)/))[1] ?? "";
    await measure("bare Express 5 (ceiling)", bare.pid, {
      url: `${url}/hello`,
      headers: jsonHeaders,
      body: single,
      durationSeconds: options.durationSeconds,
      connections: options.connections,
    });
  } finally {
    await bare.stop();
  }

  // 2-6. The gateway with everything on.
  const gateway = await startGateway(
    options.gatewayEnv ?? {},
    options.gatewayMain ? { main: options.gatewayMain } : {},
  );
  let gzip: ThroughputResult["gzip"];
  let writeQueueDropped = 0;
  try {
    const keys = await createApiKeys(gateway.url, gateway.adminKey, "bench");
    const headers = { ...jsonHeaders, "x-api-key": keys.scorer };
    const pid = gateway.service.pid;
    await measure("predict, cache hit", pid, {
      url: `${gateway.url}/api/v1/predict`,
      headers,
      body: single,
      durationSeconds: options.durationSeconds,
      connections: options.connections,
    });
    let counter = 0;
    const base = transactionFor(poolHash("cafe0002", 2));
    const prefix = JSON.stringify({ ...base, hash: "" }).slice(0, -1);
    await measure("predict, cache miss", pid, {
      url: `${gateway.url}/api/v1/predict`,
      headers,
      // Same fields, a never-seen hash each time: the cache misses and the model scores it.
      nextBody: () => `${prefix.replace('"hash":""', `"hash":"${fresh(++counter)}"`)}}`,
      durationSeconds: options.durationSeconds,
      connections: options.connections,
    });
    const { template, placeholder } = batchTemplate(options.batchSize);
    const batchUrl = `${gateway.url}/api/v1/batch/predict`;
    await measure(
      `batch of ${options.batchSize}, all scored (miss)`,
      pid,
      {
        url: batchUrl,
        headers,
        nextBody: () =>
          template.replaceAll(placeholder, (0x4000000000000000n + BigInt(++counter)).toString(16)),
        durationSeconds: options.durationSeconds,
        connections: options.batchConnections,
      },
      options.batchSize,
    );
    const hotBatch = template.replaceAll(placeholder, "1234567812345678");
    await measure(
      `batch of ${options.batchSize}, all cached (hit)`,
      pid,
      {
        url: batchUrl,
        headers,
        body: hotBatch,
        durationSeconds: options.durationSeconds,
        connections: options.batchConnections,
      },
      options.batchSize,
    );
    await measure(
      `batch of ${options.batchSize}, all cached, explanations=false`,
      pid,
      {
        url: `${batchUrl}?explanations=false`,
        headers,
        body: hotBatch,
        durationSeconds: options.durationSeconds,
        connections: options.batchConnections,
      },
      options.batchSize,
    );
    const identityBytes = await responseBytes(batchUrl, headers, hotBatch, "identity");
    const gzipBytes = await responseBytes(batchUrl, headers, hotBatch, "gzip");
    gzip = { identityBytes, gzipBytes, reduction: 1 - gzipBytes / identityBytes };
    writeQueueDropped = sampleValue(await fetchMetrics(gateway.url), "store_write_queue_dropped_total");
  } finally {
    await gateway.stop();
  }
  return {
    machine: machineInfo(),
    options,
    variants,
    ...(gzip ? { gzip } : {}),
    writeQueueDropped,
  };
}

/** Bytes of the response body as sent (before any decompression), for one Accept-Encoding. */
function responseBytes(
  url: string,
  headers: Record<string, string>,
  body: string,
  encoding: "gzip" | "identity",
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: "POST", headers: { ...headers, "accept-encoding": encoding } },
      (res) => {
        let bytes = 0;
        res.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
        });
        res.on("end", () =>
          res.statusCode === 200 ? resolve(bytes) : reject(new Error(`batch answered ${res.statusCode}`)),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const int = (value: number) => Math.round(value).toLocaleString("en-US");

export function formatVariant(v: VariantResult): string {
  return [
    v.name.padEnd(34),
    `${int(v.requestsPerSecond).padStart(7)} req/s`,
    `${int(v.transactionsPerSecond).padStart(9)} tx/s`,
    `p50 ${v.p50Ms.toFixed(1)} / p95 ${v.p95Ms.toFixed(1)} / p99 ${v.p99Ms.toFixed(1)} ms`,
    `${(v.ratioToCeiling * 100).toFixed(0).padStart(3)} % of ceiling`,
    `CPU ${v.serverCpuUsPerRequest?.toFixed(0) ?? "?"} µs/req = ${v.requestsPerCpuSecond ? int(v.requestsPerCpuSecond) : "?"} req/CPU-s (${v.cpuRatioToCeiling ? (v.cpuRatioToCeiling * 100).toFixed(0) : "?"} %)`,
    `non-2xx ${v.non2xx}, errors ${v.errors}`,
    `RSS ${v.serverPeakRssBytes ? Math.round(v.serverPeakRssBytes / 2 ** 20) : "?"} MiB`,
    `load ${v.load.join("/")}`,
  ].join(" | ");
}
