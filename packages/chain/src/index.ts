export {
  type BackfillOptions,
  type BackfillProgress,
  type BackfillResult,
  backfillReader,
  formatBackfillProgress,
  runBackfill,
} from "./backfill.ts";
export { BACKFILL_HELP, runBackfillCli } from "./backfill-cli.ts";
export { type ChainEnv, chainEnvFragment, requireChainIdWithRpcUrl } from "./env.ts";
export { ChainIdMismatchError, ChainUnreachableError, ReorgTooDeepError } from "./errors.ts";
export {
  type ChainFollower,
  type ChainFollowerOptions,
  type ChainFollowerStatus,
  type ChainState,
  createChainFollower,
} from "./follower.ts";
export { createChainFollowerFromEnv, createChainRpcFromEnv } from "./from-env.ts";
export {
  createMempoolWatcher,
  type MempoolStatus,
  type MempoolWatcher,
  type MempoolWatcherOptions,
  type PendingState,
} from "./mempool.ts";
export {
  type ChainRpc,
  type ChainRpcOptions,
  checkChainId,
  createChainRpc,
  isPermanentRpcError,
  type RpcErrorType,
  rpcErrorType,
} from "./rpc.ts";
export {
  type FollowedBlock,
  type PipelineTransaction,
  type RawRpcBlock,
  type RawRpcTransaction,
  toFollowedBlock,
  toPendingTransaction,
  toPipelineTransaction,
} from "./rpc-block.ts";
export {
  CHAIN_FOLLOWER_SOURCE,
  type ChainRetraction,
  type ChainSink,
  createCallbackSink,
  createKafkaSink,
  type SinkPublisher,
} from "./sinks.ts";
export {
  type ChainSubscriptions,
  type ChainSubscriptionsOptions,
  createChainSubscriptions,
  isWebSocketUrl,
  type SubscriptionTopic,
} from "./ws-subscriptions.ts";
