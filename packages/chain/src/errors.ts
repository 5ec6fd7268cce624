import { ChainwatchError } from "@chainwatch/service-kit";

/** CHAIN_ID and the node disagree: the URL points at another chain, and following it would mix chains. */
export class ChainIdMismatchError extends ChainwatchError {
  constructor(expected: number, actual: number) {
    super(
      "CHAIN_ID_MISMATCH",
      `the RPC node serves chain ${actual}, but CHAIN_ID is ${expected}: check CHAIN_RPC_URL and CHAIN_ID`,
      { details: { expected, actual } },
    );
  }
}

/** No configured RPC URL answered `eth_chainId` at start (wrong host or port, node down, not JSON-RPC). */
export class ChainUnreachableError extends ChainwatchError {
  constructor(cause: unknown) {
    const reason =
      cause instanceof Error
        ? ((cause as { shortMessage?: string }).shortMessage ?? cause.message)
        : String(cause);
    super("CHAIN_UNREACHABLE", `no RPC URL answered eth_chainId: ${reason.slice(0, 300)}`, { cause });
  }
}

/**
 * The node's chain differs from ours below the whole remembered window (CHAIN_REORG_WINDOW_BLOCKS): the
 * common ancestor is unknown. Raised as a value to log and count; the follower then trusts the node.
 */
export class ReorgTooDeepError extends ChainwatchError {
  constructor(windowBlocks: number, oldest: number) {
    super(
      "REORG_TOO_DEEP",
      `the node's chain differs from every remembered block (${windowBlocks} blocks down to ${oldest}); raise CHAIN_REORG_WINDOW_BLOCKS`,
      { details: { windowBlocks, oldest } },
    );
  }
}
