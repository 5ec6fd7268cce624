import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { generateApiKey } from "@chainwatch/api-gateway/src/auth/api-key-format.ts";
import { createChainwatchClient } from "@chainwatch/client";
import { type ChildService, spawnNode, waitForOutput } from "./child-service.ts";

export interface LoadGateway {
  url: string;
  /** Admin key the gateway was bootstrapped with. */
  adminKey: string;
  service: ChildService;
  stop(): Promise<number | null>;
}

const require = createRequire(import.meta.url);

/** The gateway's entry point, found through the workspace dependency rather than a relative path. */
export const gatewayMain = join(
  dirname(require.resolve("@chainwatch/api-gateway/package.json")),
  "src/main.ts",
);

/**
 * Settings for load: every middleware stays on (auth, metrics, gzip, rate limiting), but the per-key
 * limits are raised so that the limiter counts without refusing; scenarios that want 429s set their own.
 */
export const LOAD_GATEWAY_ENV: Readonly<Record<string, string>> = {
  HOST: "127.0.0.1",
  PORT: "0",
  LOG_LEVEL: "warn",
  ENABLE_RATE_LIMITING: "true",
  // Measured as before: a throwaway embedded database in memory, nothing left on disk.
  PGLITE_DATA_DIR: "memory",
  RATE_LIMIT_RPM: "100000000",
  RATE_LIMIT_BATCH_RPM: "100000000",
};

/**
 * Starts `node apps/api-gateway/src/main.ts` on an ephemeral loopback port with the embedded defaults
 * (in-process cache and rate limits, PGlite in memory) unless `env` says otherwise, and waits for its
 * "ready at" banner.
 */
export async function startGateway(
  env: Record<string, string> = {},
  options: {
    nodeArgs?: readonly string[];
    name?: string;
    startTimeoutMs?: number;
    /** Another checkout's gateway entry point (a baseline measured in the same run); this one's by default. */
    main?: string;
  } = {},
): Promise<LoadGateway> {
  const adminKey = env.BOOTSTRAP_ADMIN_API_KEY ?? generateApiKey();
  // Inherited connection settings would silently change what is measured: only `env` decides.
  const service = spawnNode(
    options.name ?? "api-gateway",
    options.main ?? gatewayMain,
    {
      REDIS_URL: undefined,
      DATABASE_URL: undefined,
      ...LOAD_GATEWAY_ENV,
      ...env,
      BOOTSTRAP_ADMIN_API_KEY: adminKey,
    },
    options.nodeArgs ?? [],
  );
  try {
    const match = await waitForOutput(
      service,
      /gateway ready at (http:\/\/[^\s]+)/,
      options.startTimeoutMs ?? 90_000,
    );
    const url = match[1] ?? "";
    return { url, adminKey, service, stop: () => service.stop() };
  } catch (error) {
    await service.stop();
    throw error;
  }
}

export interface ApiKeys {
  /** Predict and batch predict (role scorer). */
  scorer: string;
  /** Anomaly queries (role viewer). */
  viewer: string;
}

/** Creates one scorer and one viewer key with the admin key, as a real deployment would hand them out. */
export async function createApiKeys(url: string, adminKey: string, name: string): Promise<ApiKeys> {
  const admin = createChainwatchClient({ baseUrl: url, apiKey: adminKey });
  const create = async (role: "scorer" | "viewer") => {
    const { data, error, response } = await admin.POST("/api/v1/auth/keys", {
      body: { name: `${name}-${role}`, role },
    });
    if (!data)
      throw new Error(`creating a ${role} key answered ${response.status}: ${JSON.stringify(error)}`);
    if (typeof data.key !== "string") throw new Error(`no key in ${JSON.stringify(data)}`);
    return data.key;
  };
  return { scorer: await create("scorer"), viewer: await create("viewer") };
}
