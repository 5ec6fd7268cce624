#!/usr/bin/env node
/**
 * node src/openapi/export-document.ts <file>
 *
 * Writes the OpenAPI document the gateway serves with its default settings to <file>: it starts an
 * embedded gateway in this process (PGlite in memory, no Redis, no Kafka, loopback, ephemeral port), reads
 * GET /openapi.json and stops it. packages/client's `generate` calls it to refresh its committed copy;
 * openapi/document.test.ts fails while that copy differs from what the gateway serves.
 */
import { renameSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { createLogger } from "@chainwatch/service-kit";
import { generateApiKey } from "../auth/api-key-format.ts";
import { loadEnv } from "../env.ts";
import { createGateway } from "../gateway.ts";

/** The served document, from a gateway configured only by env defaults (never by this shell's env). */
async function fetchServedDocument(): Promise<unknown> {
  const env = loadEnv({
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "error",
    // An admin key of its own, so the first start does not print a generated one.
    BOOTSTRAP_ADMIN_API_KEY: generateApiKey(),
  });
  const logger = createLogger({ name: "openapi-export", level: env.LOG_LEVEL, destination: process.stderr });
  const gateway = await createGateway({ env, logger });
  await gateway.start();
  try {
    const response = await fetch(`${gateway.url()}/openapi.json`);
    if (!response.ok) throw new Error(`GET /openapi.json answered ${response.status}`);
    return await response.json();
  } finally {
    await gateway.stop();
  }
}

const [output] = process.argv.slice(2);
if (!output) {
  process.stderr.write("usage: node src/openapi/export-document.ts <file>\n");
  process.exit(2);
}
const file = resolve(process.cwd(), output);
const document = await fetchServedDocument();
// Written beside the target and renamed: a failed export never leaves half a document behind.
writeFileSync(`${file}.tmp`, `${JSON.stringify(document, null, 2)}\n`);
renameSync(`${file}.tmp`, file);
process.stderr.write(`OpenAPI document written to ${file}\n`);
