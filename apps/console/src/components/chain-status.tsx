import type { ChainFollowStatus } from "@chainwatch/client";

/** Seconds as the on-call engineer reads a lag: "42 s", "3 min 5 s", "2 h 10 min". */
export function formatLagSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3_600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3_600)} h ${Math.floor((seconds % 3_600) / 60)} min`;
}

const HEADS: Record<ChainFollowStatus["subscription"], string> = {
  off: "polled (HTTP)",
  connected: "pushed over WebSocket",
  disconnected: "polled until the WebSocket is back",
};

/**
 * The gateway's chain follower: the node's head, the newest block scored and checkpointed, how far behind
 * that is in blocks and in time, and the reorganisations handled. `chain` is only reported by an embedded
 * gateway with CHAIN_RPC_URL; in Kafka mode each chain follower is its own process, reporting on its health
 * port and in Prometheus, so the console says where to look instead of showing nothing.
 */
export function ChainStatus({
  chain,
  mode,
}: {
  chain: ChainFollowStatus | undefined;
  mode: "kafka" | "embedded";
}) {
  if (!chain)
    return (
      <p className="notice notice-empty">
        {mode === "embedded"
          ? "This gateway follows no chain (CHAIN_RPC_URL is not set): transactions arrive through the API only."
          : "In Kafka mode each chain is followed by its own chain-follower process: see its /health on port 9466 and the chain_* metrics in Prometheus."}
      </p>
    );
  return (
    <>
      {chain.lastError && (
        <p className="notice notice-error" role="alert">
          The last round failed: {chain.lastError}
        </p>
      )}
      <dl className="fields" aria-label="Chain follower">
        <dt>chain</dt>
        <dd>
          {chain.chainId} ({chain.isRunning ? "following" : "stopped"})
        </dd>
        <dt>head block</dt>
        <dd>{chain.headBlock ?? "not polled yet"}</dd>
        <dt>processed block</dt>
        <dd>
          {chain.processedBlock ?? "none yet"}
          {chain.processedHash && (
            <span className="mono hint break" title={chain.processedHash}>
              {" "}
              {chain.processedHash}
            </span>
          )}
        </dd>
        <dt>lag</dt>
        <dd>
          {chain.lagBlocks === null
            ? "–"
            : `${chain.lagBlocks} ${chain.lagBlocks === 1 ? "block" : "blocks"}`}
          {chain.lagSeconds === null ? "" : `, ${formatLagSeconds(chain.lagSeconds)} behind`}
        </dd>
        <dt>reorgs</dt>
        <dd>
          {chain.reorgs}
          {chain.lastReorgDepth === null ? "" : ` (last ${chain.lastReorgDepth} blocks deep)`}
        </dd>
        <dt>new heads</dt>
        <dd>{HEADS[chain.subscription]}</dd>
        <dt>mempool</dt>
        <dd>
          {chain.mempool === null
            ? "off (CHAIN_MEMPOOL)"
            : `${chain.mempool.tracked} pending now; ${chain.mempool.seen} scored while pending: ${chain.mempool.mined} mined, ${chain.mempool.replaced} replaced, ${chain.mempool.dropped} dropped, ${chain.mempool.skipped} skipped`}
        </dd>
      </dl>
    </>
  );
}
