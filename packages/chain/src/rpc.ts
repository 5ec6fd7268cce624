import type { ChainMetrics } from "@chainwatch/metrics";
import { type Logger, retryWithBackoff, sleep } from "@chainwatch/service-kit";
import { createPublicClient, fallback, http, numberToHex, type Transport, webSocket } from "viem";
import { ChainIdMismatchError, ChainUnreachableError } from "./errors.ts";
import type { RawRpcBlock, RawRpcTransaction } from "./rpc-block.ts";
import { isWebSocketUrl } from "./ws-subscriptions.ts";

/** The JSON-RPC calls the follower makes; every call is retried with backoff until it works or is aborted. */
export interface ChainRpc {
  /** `maxAttempts` bounds this call's retries (the start-up check must fail, not wait, on a wrong URL). */
  chainId(maxAttempts?: number): Promise<number>;
  blockNumber(): Promise<number>;
  /** The block with full transaction objects, as the node sent it (hex quantities); null if it has none yet. */
  block(number: number): Promise<RawRpcBlock | null>;
  /** The block without transactions (for hash comparisons while walking back a reorg). */
  blockHeader(
    number: number,
  ): Promise<Pick<RawRpcBlock, "number" | "hash" | "parentHash" | "timestamp"> | null>;
  /** A transaction by hash (pending or mined); null when the node does not know it. A few attempts only. */
  transaction(hash: string): Promise<RawRpcTransaction | null>;
  /** eth_newPendingTransactionFilter: a filter id to poll (HTTP mempool mode). A few attempts only. */
  newPendingTransactionFilter(): Promise<string>;
  /** eth_getFilterChanges once, no retry: a lost filter (node restart) must be recreated by the caller. */
  filterChanges(filterId: string): Promise<string[]>;
  /** Ends every retry in progress (they reject with RetryAbortedError); an HTTP request in flight ends by its timeout. */
  close(): void;
}

export interface ChainRpcOptions {
  /** Tried in order: a failed call goes to the next URL (failover), then the whole list is retried. */
  urls: readonly string[];
  /** Per HTTP request. */
  timeoutMs: number;
  /** Cap on calls per second across this client (paid RPC plans); unset → uncapped. */
  maxRequestsPerSecond?: number;
  /** Backoff between attempts; unset maxAttempts → retry until `signal` aborts. */
  retry?: { initialDelayMs?: number; maxDelayMs?: number; maxAttempts?: number };
  signal?: AbortSignal;
  logger: Logger;
  metrics?: ChainMetrics;
}

export type RpcErrorType = "timeout" | "rate_limited" | "http" | "rpc" | "other";

/** JSON-RPC error codes that no retry can fix: the request itself is wrong for this node. */
const PERMANENT_RPC_CODES = new Set([-32600, -32601, -32602]);

interface ErrorLike {
  name?: string;
  status?: number;
  code?: number;
  cause?: unknown;
}

function causes(error: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  let current: unknown = error;
  while (current && typeof current === "object" && chain.length < 8) {
    chain.push(current as ErrorLike);
    current = (current as ErrorLike).cause;
  }
  return chain;
}

/** A bounded label for an RPC failure, read through viem's wrapped causes. */
export function rpcErrorType(error: unknown): RpcErrorType {
  const chain = causes(error);
  if (chain.some((e) => e.name === "TimeoutError")) return "timeout";
  // 429 over HTTP, or the "limit exceeded" JSON-RPC error some providers answer with instead.
  if (chain.some((e) => e.status === 429 || e.code === -32005 || e.name === "LimitExceededRpcError"))
    return "rate_limited";
  if (chain.some((e) => e.name === "HttpRequestError")) return "http";
  if (chain.some((e) => typeof e.code === "number")) return "rpc";
  return "other";
}

export function isPermanentRpcError(error: unknown): boolean {
  return causes(error).some((e) => typeof e.code === "number" && PERMANENT_RPC_CODES.has(e.code));
}

/** Spaces calls at least 1/rate seconds apart (a token bucket of one: no bursts above the cap). */
function createPacer(maxPerSecond: number | undefined, signal?: AbortSignal) {
  if (!maxPerSecond) return async () => {};
  const gapMs = 1000 / maxPerSecond;
  let nextAt = 0;
  return async () => {
    const now = performance.now();
    const at = Math.max(now, nextAt);
    nextAt = at + gapMs;
    if (at > now) await sleep(at - now, signal);
  };
}

/**
 * viem does the JSON-RPC (HTTP, batching calls made in the same tick into one request, failover across
 * URLs with its `fallback` transport); retries are ours, so every attempt is counted and paced, and an
 * outage waits with backoff instead of failing the follower.
 */
export function createChainRpc(options: ChainRpcOptions): ChainRpc {
  // A ws(s) URL carries the calls too (no batching over a socket; viem reconnects it between calls).
  const transports: Transport[] = options.urls.map((url) =>
    isWebSocketUrl(url)
      ? webSocket(url, { timeout: options.timeoutMs, retryCount: 0 })
      : http(url, { timeout: options.timeoutMs, retryCount: 0, batch: { wait: 0, batchSize: 100 } }),
  );
  const [only] = transports;
  if (!only) throw new Error("at least one RPC URL is needed");
  const client = createPublicClient({
    transport: transports.length === 1 ? only : fallback(transports, { retryCount: 0 }),
  });
  const closed = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, closed.signal]) : closed.signal;
  const pace = createPacer(options.maxRequestsPerSecond, signal);
  const log = options.logger.child({ component: "chain-rpc" });
  let lastWarnAt = 0;

  async function call<T>(
    method: string,
    params: unknown[],
    maxAttempts = options.retry?.maxAttempts,
  ): Promise<T> {
    return retryWithBackoff(
      async () => {
        await pace();
        options.metrics?.rpcRequestsTotal.inc({ method });
        try {
          return (await client.request({ method, params } as never)) as T;
        } catch (error) {
          options.metrics?.rpcErrorsTotal.inc({ method, error_type: rpcErrorType(error) });
          throw error;
        }
      },
      {
        initialDelayMs: options.retry?.initialDelayMs ?? 250,
        maxDelayMs: options.retry?.maxDelayMs ?? 10_000,
        ...(maxAttempts !== undefined ? { maxAttempts } : {}),
        signal,
        isRetriable: (error) => !isPermanentRpcError(error),
        onRetry: (error, attempt, delayMs) => {
          // One line per 10 s is enough to see an outage; the counter has every failure.
          if (Date.now() - lastWarnAt < 10_000) return;
          lastWarnAt = Date.now();
          log.warn(
            { method, attempt, delayMs, errorType: rpcErrorType(error), err: shortError(error) },
            "rpc call failed; retrying",
          );
        },
      },
    );
  }

  return {
    chainId: async (maxAttempts) => Number(BigInt(await call<string>("eth_chainId", [], maxAttempts))),
    blockNumber: async () => Number(BigInt(await call<string>("eth_blockNumber", []))),
    block: (number) => call<RawRpcBlock | null>("eth_getBlockByNumber", [numberToHex(number), true]),
    blockHeader: (number) => call<RawRpcBlock | null>("eth_getBlockByNumber", [numberToHex(number), false]),
    transaction: (hash) => call<RawRpcTransaction | null>("eth_getTransactionByHash", [hash], 3),
    newPendingTransactionFilter: () => call<string>("eth_newPendingTransactionFilter", [], 2),
    filterChanges: (filterId) => call<string[]>("eth_getFilterChanges", [filterId], 1),
    close: () => closed.abort(),
  };
}

function shortError(error: unknown): string {
  const message =
    error instanceof Error
      ? ((error as { shortMessage?: string }).shortMessage ?? error.message)
      : String(error);
  return message.slice(0, 300);
}

/** `eth_chainId` against the configured chain, once at start: a wrong URL fails loudly, before any write. */
export async function checkChainId(rpc: ChainRpc, expected: number, maxAttempts = 3): Promise<void> {
  let actual: number;
  try {
    actual = await rpc.chainId(maxAttempts);
  } catch (error) {
    throw new ChainUnreachableError(error);
  }
  if (actual !== expected) throw new ChainIdMismatchError(expected, actual);
}
