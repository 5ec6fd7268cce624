import type { LabelRepository } from "@chainwatch/store";
import {
  readShippedManifest,
  type SeedShippedListsOptions,
  type SeedSummary,
  SHIPPED_DATA_DIR,
  SHIPPED_LISTS,
  seedShippedLists,
  shippedListSource,
} from "./shipped-lists.ts";

export type SeedIfOutdatedResult = { seeded: false; version: string } | ({ seeded: true } & SeedSummary);

/**
 * Seeds the shipped lists unless every one of them already carries this release's provenance. A service
 * calls it at each start: the check is one small query, so only the first start (or the first after an
 * upgrade of the shipped lists) pays for the import, and lists an operator emptied on purpose are not
 * refilled at every restart unless the shipped version changes.
 */
export async function seedShippedListsIfOutdated(
  repo: Pick<LabelRepository, "listLists" | "upsertList" | "importLabels">,
  options: SeedShippedListsOptions,
): Promise<SeedIfOutdatedResult> {
  const manifest = await readShippedManifest(options.dataDir ?? SHIPPED_DATA_DIR);
  const stored = new Map((await repo.listLists()).map((list) => [list.id, list.source]));
  const isCurrent = SHIPPED_LISTS.every((list) => stored.get(list.id) === shippedListSource(manifest, list));
  if (isCurrent) return { seeded: false, version: manifest.version };
  return { seeded: true, ...(await seedShippedLists(repo, options)) };
}
