import { seedShippedListsIfOutdated } from "@chainwatch/screening";
import type { Logger } from "@chainwatch/service-kit";
import type { LabelRepository } from "@chainwatch/store";

/** Who the audit trail names for labels the gateway loads on its own. */
export const SHIPPED_LISTS_ACTOR = "system:shipped-lists";

/**
 * Loads the shipped deny lists before the first screening snapshot, so a bare `npm start` screens
 * against them from its first transaction. A failure (say, two replicas seeding one PostgreSQL at the same
 * moment) is logged and the gateway starts anyway: screening then uses what is stored, and the next start
 * tries again.
 */
export async function seedShippedListsAtStart(labels: LabelRepository, logger: Logger): Promise<void> {
  try {
    const result = await seedShippedListsIfOutdated(labels, { actor: SHIPPED_LISTS_ACTOR });
    if (!result.seeded) {
      logger.debug({ version: result.version }, "shipped screening lists are current");
      return;
    }
    const labelsStored = result.lists.reduce(
      (sum, list) => sum + list.inserted + list.updated + list.unchanged,
      0,
    );
    logger.info(
      {
        version: result.version,
        lists: result.lists.map((list) => list.listId),
        labels: labelsStored,
        elapsedMs: result.elapsedMs,
      },
      "loaded the shipped screening lists",
    );
  } catch (error) {
    logger.warn({ err: error }, "could not load the shipped screening lists; screening uses what is stored");
  }
}
