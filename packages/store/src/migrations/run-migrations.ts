import type { Database, Queryable } from "../database.ts";
import { migrations } from "./list.ts";
import type { Migration } from "./migration.ts";

export interface MigrationResult {
  /** Ids applied by this call, in order; empty when the schema was already current. */
  applied: string[];
}

/**
 * Applies pending migrations, each in its own transaction. Several replicas start at once in a rollout, so
 * each transaction first takes a transaction-scoped advisory lock: the others wait, then see the migration
 * recorded and skip it. The lock key includes the schema, so isolated test schemas do not contend; it is
 * released by COMMIT or ROLLBACK, so a crashed runner cannot leave it held.
 */
export async function runMigrations(
  db: Database,
  list: readonly Migration[] = migrations,
): Promise<MigrationResult> {
  assertOrdered(list);
  const applied: string[] = [];
  for (const migration of list) {
    const isApplied = await db.transaction(async (tx) => {
      await lock(tx);
      await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        id text PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const { rowCount } = await tx.query("SELECT 1 FROM schema_migrations WHERE id = $1", [migration.id]);
      if (rowCount > 0) return false;
      await tx.exec(migration.sql);
      await tx.query("INSERT INTO schema_migrations (id) VALUES ($1)", [migration.id]);
      return true;
    });
    if (isApplied) applied.push(migration.id);
  }
  return { applied };
}

async function lock(tx: Queryable): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':chainwatch:migrations'))");
}

function assertOrdered(list: readonly Migration[]): void {
  for (let index = 1; index < list.length; index += 1) {
    const previous = list[index - 1]?.id ?? "";
    const current = list[index]?.id ?? "";
    if (current <= previous) throw new Error(`migrations out of order: ${previous} before ${current}`);
  }
}
