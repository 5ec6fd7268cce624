import type { Logger } from "@chainwatch/service-kit";
import type { AuthRepositories } from "@chainwatch/store";
import { apiKeyPrefix, generateApiKey, hashSecret, isApiKeyFormat } from "./api-key-format.ts";

/**
 * Makes sure an operator can get in on a fresh install, and that nobody else can:
 * - BOOTSTRAP_ADMIN_API_KEY, if set, is registered (hashed) as an admin key at every start;
 * - otherwise, while the install has no live admin credential, one admin key is generated and printed once
 *   (embedded or PostgreSQL alike). There is no "first registrant becomes admin": registering users needs
 *   an admin.
 * Returns the generated key (to print), if any.
 */
export async function bootstrapAdminKey(options: {
  repositories: AuthRepositories;
  logger: Logger;
  configuredKey: string | undefined;
}): Promise<string | undefined> {
  const { repositories, logger, configuredKey } = options;
  if (configuredKey) {
    if (!isApiKeyFormat(configuredKey))
      throw new Error("BOOTSTRAP_ADMIN_API_KEY must be cw_ followed by 64 hex characters");
    await repositories.ensureApiKey(adminKeyRecord(configuredKey, "bootstrap admin"));
    logger.info({ prefix: apiKeyPrefix(configuredKey) }, "bootstrap admin key registered");
    return undefined;
  }
  const key = generateApiKey();
  if (!(await repositories.insertFirstAdminKey(adminKeyRecord(key, "generated at first start"))))
    return undefined;
  logger.info({ prefix: apiKeyPrefix(key) }, "no admin credential existed: generated an admin API key");
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
