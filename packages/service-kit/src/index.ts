export type { Component } from "./component.ts";
export { type EnvSource, EXIT_CONFIG_ERROR, envBoolean, loadEnvOrExit, logLevel, parseEnv } from "./env.ts";
export { type ResolvedEnvSource, resolveEnvAliases } from "./env-aliases.ts";
export {
  composeEnvSchema,
  defineAppEnv,
  type EnvFragment,
  envFragment,
  renderEnvExample,
} from "./env-fragment.ts";
export { ChainwatchError, ConfigError } from "./errors.ts";
export {
  createHealthServer,
  type HealthReport,
  type HealthServer,
  type HealthServerOptions,
} from "./health-server.ts";
export { createLifecycle, type Lifecycle, type LifecycleStep } from "./lifecycle.ts";
export { createLogger, type Logger, type LoggerOptions } from "./logger.ts";
export { once } from "./once.ts";
export {
  isRetryAbortedError,
  RetryAbortedError,
  type RetryOptions,
  retryWithBackoff,
  sleep,
} from "./retry.ts";
export { createShutdownRegistry, type ShutdownRegistry, type ShutdownRegistryOptions } from "./shutdown.ts";
export { withTimeout } from "./with-timeout.ts";
