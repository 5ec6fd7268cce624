import { createLogger, createShutdownRegistry, loadEnvOrExit } from "@chainwatch/service-kit";
import { loadEnv } from "./env.ts";
import { createGateway, type Gateway } from "./gateway.ts";
import { embeddedDataDir } from "./persistence/open-database.ts";

const env = loadEnvOrExit("api-gateway", () => loadEnv());
const logger = createLogger({ name: "api-gateway", level: env.LOG_LEVEL });
for (const note of env.configNotes) logger.warn({ note }, "configuration alias");
const shutdown = createShutdownRegistry({ logger, timeoutMs: env.SHUTDOWN_TIMEOUT_MS });
shutdown.installSignalHandlers();

let gateway: Gateway;
try {
  gateway = await createGateway({ env, logger, isShuttingDown: () => shutdown.isShuttingDown });
  shutdown.register("gateway", () => gateway.stop());
  await gateway.start();
} catch (error) {
  // e.g. the configured database is unreachable, so migrations cannot run: fail fast and let the
  // orchestrator restart us, rather than serve without the schema.
  logger.fatal({ err: error }, "gateway failed to start");
  await shutdown.shutdown("start-up failure", 1);
  process.exit(1);
}

const url = gateway.url();
const adminKey = gateway.generatedAdminKey;
logger.info({ url, redis: env.isRedisEnabled }, "gateway listening");
const keyHint = adminKey
  ? `-H 'x-api-key: ${adminKey}' `
  : env.BOOTSTRAP_ADMIN_API_KEY
    ? `-H "x-api-key: $BOOTSTRAP_ADMIN_API_KEY" `
    : "-H 'x-api-key: <your API key>' ";
process.stdout.write(
  `\nChainwatch gateway ready at ${url}\n` +
    (adminKey
      ? `  admin API key (no admin existed; shown once, stored only as a hash; create your own and revoke it):\n    ${adminKey}\n`
      : "") +
    `  data:   ${storageLine()}\n` +
    `  console: ${url}/console (sign in with an API key or a user login)\n` +
    `  docs:   ${url}/docs\n` +
    `  health: ${url}/health\n` +
    `  try:    curl -s ${url}/api/v1/predict -H 'content-type: application/json' ${keyHint}\\\n` +
    `            -d '{"hash":"0x${"ab".repeat(32)}","value":1.5,"gas":21000,"gasPrice":30}'\n\n`,
);

/** Where this gateway keeps its data, so nobody mistakes a throwaway run for a persistent one. */
function storageLine(): string {
  if (env.DATABASE_URL) return "PostgreSQL (DATABASE_URL)";
  const dataDir = embeddedDataDir(env);
  return dataDir
    ? `embedded PostgreSQL in ${dataDir} (kept across restarts; PGLITE_DATA_DIR=memory for a throwaway run)`
    : "embedded PostgreSQL in memory (PGLITE_DATA_DIR=memory): everything is lost when the gateway stops";
}
