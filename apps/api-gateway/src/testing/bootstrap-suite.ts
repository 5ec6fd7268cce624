import { createLogger } from "@chainwatch/service-kit";
import { createAuthRepositories, type Database, runMigrations } from "@chainwatch/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeyPrefix } from "../auth/api-key-format.ts";
import { bootstrapAdminKey } from "../auth/bootstrap.ts";

/** The first-start admin key, on either driver: PGlite (unit) and PostgreSQL (integration, real races). */
export function defineBootstrapSuite(name: string, makeDb: () => Promise<Database>): void {
  describe(`bootstrapAdminKey on ${name}`, () => {
    let database: Database;
    const logger = createLogger({ name: "t", level: "silent" });
    beforeAll(async () => {
      database = await makeDb();
      await runMigrations(database);
    });
    afterAll(() => database.close());

    it("generates exactly one admin key for replicas starting together on an empty install, then none", async () => {
      const repositories = createAuthRepositories(database);
      const start = () => bootstrapAdminKey({ repositories, logger, configuredKey: undefined });
      const starts = Array.from({ length: 20 }, () => start());
      const generated = (await Promise.all(starts)).filter((key) => key !== undefined);
      expect(generated).toHaveLength(1);
      const key = generated[0] ?? "";
      expect(key).toMatch(/^cw_[0-9a-f]{64}$/);
      expect(await repositories.findApiKeyByPrefix(apiKeyPrefix(key))).toMatchObject({ role: "admin" });
      expect(await start()).toBeUndefined();

      // An admin user is an admin credential too: revoking every admin key then generates nothing.
      await repositories.insertUser({ email: "ops@example.com", passwordHash: "x", role: "admin" });
      for (const record of await repositories.listApiKeys()) await repositories.revokeApiKey(record.id);
      expect(await start()).toBeUndefined();
      // With no admin at all (disabled user, no key), the next start hands out a new key.
      await database.query("UPDATE users SET disabled_at = now()");
      expect(await start()).toMatch(/^cw_[0-9a-f]{64}$/);
    });
  });
}
