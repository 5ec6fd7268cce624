import { Writable } from "node:stream";
import { createLogger } from "@chainwatch/service-kit";
import { createPgliteDatabase, type Database } from "@chainwatch/store";
import { generateApiKey } from "../auth/api-key-format.ts";
import { type GatewayEnv, loadEnv } from "../env.ts";
import { createGateway, type Gateway } from "../gateway.ts";
import { type RawResponse, type SendOptions, send } from "./http-client.ts";

export interface TestGateway {
  gateway: Gateway;
  url: string;
  env: GatewayEnv;
  /** The admin key this gateway was bootstrapped with. */
  adminKey: string;
  /** Sends as admin unless the options carry their own credential or `anonymous: true`. */
  send(path: string, options?: SendOptions & { anonymous?: boolean }): Promise<RawResponse>;
  logLines(): Record<string, unknown>[];
  stop(): Promise<void>;
}

/** A real gateway on an ephemeral loopback port, configured through the same env parsing as main.ts. */
/** One embedded database per test file: PGlite takes seconds to boot, and gateways in a file may share it. */
let sharedDatabase: Promise<Database> | undefined;

export async function startTestGateway(
  envOverrides: Record<string, string> = {},
  options: { ownDatabase?: boolean; database?: Database; consoleDir?: string } = {},
): Promise<TestGateway> {
  const adminKey = envOverrides.BOOTSTRAP_ADMIN_API_KEY ?? generateApiKey();
  const env = loadEnv({
    BOOTSTRAP_ADMIN_API_KEY: adminKey,
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "info",
    ENABLE_RATE_LIMITING: "false",
    PGLITE_DATA_DIR: "memory",
    // 14,183 labels per start would slow every test; the seeding has tests of its own.
    SCREENING_SEED_SHIPPED_LISTS: "false",
    ...envOverrides,
  });
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  const logger = createLogger({ name: "api-gateway-test", level: env.LOG_LEVEL, destination });
  const usesSharedDatabase = env.DATABASE_URL === undefined && !options.ownDatabase && !options.database;
  if (usesSharedDatabase) sharedDatabase ??= createPgliteDatabase();
  const database = options.database ?? (usesSharedDatabase ? await sharedDatabase : undefined);
  const gateway = await createGateway({
    env,
    logger,
    ...(database ? { database } : {}),
    ...(options.consoleDir !== undefined ? { consoleDir: options.consoleDir } : {}),
  });
  await gateway.start();
  const url = gateway.url();
  return {
    gateway,
    url,
    env,
    adminKey,
    send: (path, options = {}) => {
      const { anonymous, ...rest } = options;
      const headers = { ...rest.headers };
      const hasCredential = Object.keys(headers).some((name) => /^(x-api-key|authorization)$/i.test(name));
      if (!anonymous && !hasCredential) headers["x-api-key"] = adminKey;
      return send(url, path, { ...rest, headers });
    },
    logLines: () => lines.flatMap((chunk) => chunk.trim().split("\n")).map((line) => JSON.parse(line)),
    stop: () => gateway.stop(),
  };
}

/** A deterministic, valid transaction in the simple shape; `index` varies the hash and the amounts. */
export function simpleTransaction(index: number, overrides: Record<string, unknown> = {}) {
  return {
    hash: `0x${index.toString(16).padStart(64, "0")}`,
    value: 0.01 + (index % 50) * 0.1,
    gas: 21_000 + (index % 7) * 1_000,
    gasPrice: 20 + (index % 30),
    from: `0x${"1".repeat(39)}${index % 10}`,
    to: `0x${"2".repeat(39)}${index % 10}`,
    ...overrides,
  };
}
