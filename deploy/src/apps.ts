import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DispatcherEnvSchema, loadEnv as loadDispatcherEnv } from "@chainwatch/alert-dispatcher/src/env.ts";
import { GatewayEnvSchema, loadEnv as loadGatewayEnv } from "@chainwatch/api-gateway/src/env.ts";
import { loadEnv as loadWarmerEnv, WarmerEnvSchema } from "@chainwatch/cache-warmer/src/env.ts";
import { FollowerEnvSchema, loadEnv as loadFollowerEnv } from "@chainwatch/chain-follower/src/env.ts";
import { loadEnv as loadWorkerEnv, WorkerEnvSchema } from "@chainwatch/scoring-worker/src/env.ts";
import { repoRoot } from "./paths.ts";

export type AppName =
  | "api-gateway"
  | "scoring-worker"
  | "cache-warmer"
  | "alert-dispatcher"
  | "chain-follower";

export interface AppSpec {
  name: AppName;
  /** Every variable the app reads: the keys of its zod env schema. */
  envKeys: ReadonlySet<string>;
  /** The app's own loader (schema plus cross-field rules); throws on an invalid environment. */
  loadEnv(source: Record<string, string>): unknown;
  /** The variable holding the port of /health/* and /metrics, and its default. */
  portVar: "PORT" | "HEALTH_PORT";
  defaultPort: number;
  envExample: string;
  /** Health routes the app serves on its port (checked against the running app by the metrics test). */
  healthPaths: readonly string[];
}

/** Routes of the gateway's health router and of @chainwatch/service-kit's health server alike. */
const HEALTH_PATHS = ["/health/live", "/health/ready", "/health"] as const;

const keysOf = (schema: { shape: Record<string, unknown> }) => new Set(Object.keys(schema.shape));

export const APPS: Record<AppName, AppSpec> = {
  "api-gateway": {
    name: "api-gateway",
    envKeys: keysOf(GatewayEnvSchema),
    loadEnv: (source) => loadGatewayEnv(source),
    portVar: "PORT",
    defaultPort: GatewayEnvSchema.shape.PORT.parse(undefined),
    envExample: "apps/api-gateway/.env.example",
    healthPaths: HEALTH_PATHS,
  },
  "scoring-worker": {
    name: "scoring-worker",
    envKeys: keysOf(WorkerEnvSchema),
    loadEnv: (source) => loadWorkerEnv(source),
    portVar: "HEALTH_PORT",
    defaultPort: WorkerEnvSchema.shape.HEALTH_PORT.parse(undefined),
    envExample: "apps/scoring-worker/.env.example",
    healthPaths: HEALTH_PATHS,
  },
  "cache-warmer": {
    name: "cache-warmer",
    envKeys: keysOf(WarmerEnvSchema),
    loadEnv: (source) => loadWarmerEnv(source),
    portVar: "HEALTH_PORT",
    defaultPort: WarmerEnvSchema.shape.HEALTH_PORT.parse(undefined),
    envExample: "apps/cache-warmer/.env.example",
    healthPaths: HEALTH_PATHS,
  },
  "alert-dispatcher": {
    name: "alert-dispatcher",
    envKeys: keysOf(DispatcherEnvSchema),
    loadEnv: (source) => loadDispatcherEnv(source),
    portVar: "HEALTH_PORT",
    defaultPort: DispatcherEnvSchema.shape.HEALTH_PORT.parse(undefined),
    envExample: "apps/alert-dispatcher/.env.example",
    healthPaths: HEALTH_PATHS,
  },
  "chain-follower": {
    name: "chain-follower",
    envKeys: keysOf(FollowerEnvSchema),
    loadEnv: (source) => loadFollowerEnv(source),
    portVar: "HEALTH_PORT",
    defaultPort: FollowerEnvSchema.shape.HEALTH_PORT.parse(undefined),
    envExample: "apps/chain-follower/.env.example",
    healthPaths: HEALTH_PATHS,
  },
};

export const APP_NAMES = Object.keys(APPS) as AppName[];

export function isAppName(name: string): name is AppName {
  return name in APPS;
}

/** The port an app serves /health/* and /metrics on, given its environment. */
export function appPort(app: AppSpec, env: Record<string, string>): number {
  const value = env[app.portVar];
  return value === undefined ? app.defaultPort : Number(value);
}

/** Variables of an .env.example: those set (`KEY=value`) and those shown commented out (`# KEY=value`). */
export function readEnvExample(path: string): { set: Map<string, string>; commented: Set<string> } {
  const set = new Map<string, string>();
  const commented = new Set<string>();
  for (const line of readFileSync(join(repoRoot, path), "utf8").split("\n")) {
    const active = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (active?.[1]) set.set(active[1], active[2] ?? "");
    const inactive = /^#\s*([A-Z][A-Z0-9_]*)=/.exec(line);
    if (inactive?.[1]) commented.add(inactive[1]);
  }
  return { set, commented };
}
