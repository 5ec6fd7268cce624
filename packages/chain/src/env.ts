import { envBoolean, envFragment } from "@chainwatch/service-kit";
import { z } from "zod";

const rpcUrlList = z
  .string()
  .transform((text) =>
    text
      .split(",")
      .map((url) => url.trim())
      .filter((url) => url.length > 0),
  )
  .pipe(z.array(z.url({ protocol: /^(https?|wss?)$/, error: "must be an http(s) or ws(s) URL" })).min(1));

const chainSettings = {
  CHAIN_ID: z.coerce.number().int().positive().optional().meta({
    description:
      "Chain the RPC URLs must serve (1 Ethereum mainnet, 31337 anvil); checked with eth_chainId at start, and a mismatch stops the follower. Required with CHAIN_RPC_URL.",
    example: "1",
  }),
  CONFIRMATIONS: z.coerce
    .number()
    .int()
    .min(0)
    .max(1_000)
    .default(0)
    .describe(
      "Blocks a block must be buried under before it is scored: 0 scores at once and retracts what a reorg orphans; 12 on Ethereum trades ~2.5 minutes of latency for almost no retractions.",
    ),
  CHAIN_POLL_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(50)
    .max(60_000)
    .default(1_000)
    .describe("How often the head is polled; about a quarter of the block time keeps latency low."),
  CHAIN_RPC_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(120_000)
    .default(10_000)
    .describe("Per JSON-RPC HTTP request; a timed-out call is retried with backoff (on the next URL first)."),
  CHAIN_RPC_MAX_REQUESTS_PER_SECOND: z.coerce
    .number()
    .min(0)
    .max(10_000)
    .default(0)
    .describe("Cap on JSON-RPC calls per second from this process (paid RPC plans); 0 → uncapped."),
  CHAIN_REORG_WINDOW_BLOCKS: z.coerce
    .number()
    .int()
    .min(2)
    .max(10_000)
    .default(128)
    .describe(
      "Recent canonical blocks remembered to find a reorg's common ancestor; deeper reorgs are logged and the node's chain is trusted.",
    ),
  CHAIN_START_BLOCK: z
    .union([z.literal("head"), z.coerce.number().int().min(0)])
    .default("head")
    .describe(
      "Without a checkpoint: the first block to follow, or head (from now on). A checkpoint always wins.",
    ),
  CHAIN_WS_URL: z
    .url({ protocol: /^wss?$/, error: "must be a ws(s) URL" })
    .optional()
    .meta({
      description:
        "WebSocket URL of the node for eth_subscribe (new heads; pending transactions in mempool mode), when CHAIN_RPC_URL is HTTP. Unset: the first ws(s) URL of CHAIN_RPC_URL, else polling only.",
      example: "ws://127.0.0.1:8545",
    }),
  CHAIN_SUBSCRIBED_POLL_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(30_000)
    .describe(
      "Safety poll while the WebSocket subscription is open (heads wake the follower at once); CHAIN_POLL_INTERVAL_MS applies while it is down.",
    ),
  CHAIN_MEMPOOL: envBoolean
    .default(false)
    .describe(
      "Mempool mode: score transactions the node announces as pending (status pending, alerts before the block), then reconcile them as mined, replaced or dropped. Needs a node that serves pending transactions (eth_subscribe newPendingTransactions or eth_newPendingTransactionFilter).",
    ),
  CHAIN_MEMPOOL_MAX_PENDING: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(10_000)
    .describe(
      "Pending transactions tracked in memory at once (~200 bytes each); announcements beyond it are scored only once mined (chain_mempool_skipped_total{reason=full}).",
    ),
  CHAIN_MEMPOOL_DROP_AFTER_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(86_400)
    .default(600)
    .describe(
      "A pending transaction in no processed block this long after it was seen is marked dropped (a later block may still mark it mined).",
    ),
  CHAIN_PREFETCH_BLOCKS: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(4)
    .describe(
      "Blocks fetched in parallel while catching up after a restart or outage; handed over in order.",
    ),
};

/**
 * Following a chain over JSON-RPC (@chainwatch/chain). With `required`, CHAIN_RPC_URL must be set (the
 * chain-follower app); otherwise its absence means `whenUnset` (the gateway does not follow a chain).
 */
export function chainEnvFragment(options: { required: true } | { whenUnset: string }) {
  const description =
    "JSON-RPC URL of the chain's node, http(s) or ws(s); several, comma-separated, fail over in order (http://127.0.0.1:8545,https://backup.example).";
  return envFragment(
    "whenUnset" in options ? `Chain follower. Unset CHAIN_RPC_URL → ${options.whenUnset}` : "Chain follower",
    {
      CHAIN_RPC_URL:
        "whenUnset" in options
          ? rpcUrlList.optional().meta({ description, example: "http://127.0.0.1:8545" })
          : rpcUrlList.meta({ description, example: "http://127.0.0.1:8545" }),
      ...chainSettings,
    },
  );
}

/** The settings above after parsing, for code that builds a follower from them. */
export interface ChainEnv {
  CHAIN_RPC_URL?: string[] | undefined;
  CHAIN_ID?: number | undefined;
  CONFIRMATIONS: number;
  CHAIN_POLL_INTERVAL_MS: number;
  CHAIN_RPC_TIMEOUT_MS: number;
  CHAIN_RPC_MAX_REQUESTS_PER_SECOND: number;
  CHAIN_REORG_WINDOW_BLOCKS: number;
  CHAIN_START_BLOCK: "head" | number;
  CHAIN_PREFETCH_BLOCKS: number;
  CHAIN_WS_URL?: string | undefined;
  CHAIN_SUBSCRIBED_POLL_INTERVAL_MS: number;
  CHAIN_MEMPOOL: boolean;
  CHAIN_MEMPOOL_MAX_PENDING: number;
  CHAIN_MEMPOOL_DROP_AFTER_SECONDS: number;
}

/** CHAIN_ID is required once a chain is followed; the refinement both apps apply. */
export const requireChainIdWithRpcUrl = {
  check: (env: { CHAIN_RPC_URL?: string[] | undefined; CHAIN_ID?: number | undefined }) =>
    env.CHAIN_RPC_URL === undefined || env.CHAIN_ID !== undefined,
  message: "CHAIN_ID is required when CHAIN_RPC_URL is set (it is checked against the node's eth_chainId)",
};
