import type { Logger } from "@chainwatch/service-kit";
import type { AuthRepositories } from "@chainwatch/store";
import { apiKeyPrefix, generateApiKey, hashSecret, isApiKeyFormat } from "./api-key-format.ts";

/**
 * Makes sure an operator can get in on a fresh install:
 * - BOOTSTRAP_ADMIN_API_KEY, if set, is registered (hashed) as an admin key at every start;
 * - otherwise, on the embedded database, a fresh admin key is generated and printed once, so the
 *   two-command quick start works without configuration.
 * Returns the generated key (to print), if any.
 */
export async function bootstrapAdminKey(options: {
  repositories: AuthRepositories;
  logger: Logger;
  configuredKey: string | undefined;
  isEmbedded: boolean;
}): Promise<string | undefined> {
  const { repositories, logger, configuredKey } = options;
  if (configuredKey) {
    if (!isApiKeyFormat(configuredKey))
      throw new Error("BOOTSTRAP_ADMIN_API_KEY must be cw_ followed by 64 hex characters");
    await repositories.ensureApiKey(adminKeyRecord(configuredKey, "bootstrap admin"));
    logger.info({ prefix: apiKeyPrefix(configuredKey) }, "bootstrap admin key registered");
    return undefined;
  }
  if (!options.isEmbedded) return undefined;
  if ((await repositories.listApiKeys()).some((key) => key.role === "admin" && !key.revokedAt))
    return undefined;
  const key = generateApiKey();
  await repositories.insertApiKey(adminKeyRecord(key, "generated admin (embedded)"));
  logger.info({ prefix: apiKeyPrefix(key) }, "generated an admin API key for the embedded database");
  return key;
}

/** What is stored of a bootstrap admin key: its prefix and hash, never the key. */
function adminKeyRecord(key: string, name: string) {
  return {
    prefix: apiKeyPrefix(key),
    keyHash: hashSecret(key),
    name,
    role: "admin" as const,
    createdBy: "bootstrap",
    expiresAt: null,
  };
}
