import { randomBytes } from "node:crypto";
import type { Database } from "@chainwatch/store";
import { type Policy, PolicySchema } from "./policy.ts";
import type { SecretBox } from "./secret-box.ts";

export const DESTINATION_KINDS = ["webhook", "slack", "log"] as const;
export type DestinationKind = (typeof DESTINATION_KINDS)[number];

export interface Destination {
  id: string;
  name: string;
  kind: DestinationKind;
  /** Null for the log destination; for Slack only its scheme and host (the full URL is sealed). */
  url: string | null;
  enabled: boolean;
  policy: Policy;
  /** Deliveries in flight at once to this destination, per dispatcher. */
  maxConcurrency: number;
  /** Webhooks only: whether a signing secret is stored (it is never read back through the API). */
  hasSecret: boolean;
  createdBy: string;
  updatedBy: string;
  createdAt: string;
  updatedAt: string;
}

/** What the dispatcher needs: the destination and its sealed signing secret. */
export interface DeliveryDestination extends Destination {
  sealedSecret: string | null;
}

export interface NewDestination {
  name: string;
  kind: DestinationKind;
  url: string | null;
  sealedSecret: string | null;
  policy: Policy;
  maxConcurrency: number;
  enabled?: boolean;
}

export interface DestinationPatch {
  name?: string;
  url?: string;
  /** A new sealed secret (a Slack destination's sealed URL when its URL changes). */
  sealedSecret?: string;
  policy?: Policy;
  maxConcurrency?: number;
  enabled?: boolean;
}

export interface DestinationRepository {
  create(destination: NewDestination, actor: string): Promise<Destination>;
  list(): Promise<Destination[]>;
  get(id: string): Promise<DeliveryDestination | undefined>;
  update(id: string, patch: DestinationPatch, actor: string): Promise<Destination | undefined>;
  remove(id: string): Promise<boolean>;
  /** Every enabled destination with its sealed secret: the enqueuer's and the dispatcher's view. */
  listForDelivery(): Promise<DeliveryDestination[]>;
  /** Seals again every secret sealed with an older key; returns how many (key rotation). */
  reseal(box: SecretBox): Promise<number>;
}

interface DestinationRow {
  id: string;
  name: string;
  kind: DestinationKind;
  url: string | null;
  secret_ciphertext: string | null;
  enabled: boolean;
  policy: unknown;
  max_concurrency: number;
  created_by: string;
  updated_by: string;
  created_at: Date | string;
  updated_at: Date | string;
}

const iso = (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString();

function toDestination(row: DestinationRow): DeliveryDestination {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    url: row.url,
    enabled: row.enabled,
    // Stored by this code through the same schema; parsing again fills defaults added since.
    policy: PolicySchema.parse(typeof row.policy === "string" ? JSON.parse(row.policy) : row.policy),
    maxConcurrency: row.max_concurrency,
    hasSecret: row.secret_ciphertext !== null,
    sealedSecret: row.secret_ciphertext,
    createdBy: row.created_by,
    updatedBy: row.updated_by,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

function withoutSecret(destination: DeliveryDestination): Destination {
  const { sealedSecret: _sealed, ...rest } = destination;
  return rest;
}

export function newDestinationId(): string {
  return `dst_${randomBytes(12).toString("base64url")}`;
}

const COLUMNS =
  "id, name, kind, url, secret_ciphertext, enabled, policy, max_concurrency, created_by, updated_by, created_at, updated_at";

export function createDestinationRepository(database: Database): DestinationRepository {
  return {
    async create(destination, actor) {
      const { rows } = await database.query<DestinationRow>(
        `INSERT INTO alert_destinations (id, name, kind, url, secret_ciphertext, enabled, policy, max_concurrency,
           created_by, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $9)
         RETURNING ${COLUMNS}`,
        [
          newDestinationId(),
          destination.name,
          destination.kind,
          destination.url,
          destination.sealedSecret,
          destination.enabled ?? true,
          JSON.stringify(destination.policy),
          destination.maxConcurrency,
          actor,
        ],
      );
      return withoutSecret(toDestination(rows[0] as DestinationRow));
    },
    async list() {
      const { rows } = await database.query<DestinationRow>(
        `SELECT ${COLUMNS} FROM alert_destinations ORDER BY created_at, id`,
      );
      return rows.map((row) => withoutSecret(toDestination(row)));
    },
    async get(id) {
      const { rows } = await database.query<DestinationRow>(
        `SELECT ${COLUMNS} FROM alert_destinations WHERE id = $1`,
        [id],
      );
      return rows[0] ? toDestination(rows[0]) : undefined;
    },
    async update(id, patch, actor) {
      const { rows } = await database.query<DestinationRow>(
        `UPDATE alert_destinations SET
           name = coalesce($2, name),
           url = coalesce($3, url),
           policy = coalesce($4::jsonb, policy),
           max_concurrency = coalesce($5, max_concurrency),
           enabled = coalesce($6, enabled),
           updated_by = $7, updated_at = now(),
           secret_ciphertext = coalesce($8, secret_ciphertext)
         WHERE id = $1
         RETURNING ${COLUMNS}`,
        [
          id,
          patch.name ?? null,
          patch.url ?? null,
          patch.policy ? JSON.stringify(patch.policy) : null,
          patch.maxConcurrency ?? null,
          patch.enabled ?? null,
          actor,
          patch.sealedSecret ?? null,
        ],
      );
      return rows[0] ? withoutSecret(toDestination(rows[0])) : undefined;
    },
    async remove(id) {
      const { rowCount } = await database.query("DELETE FROM alert_destinations WHERE id = $1", [id]);
      return rowCount > 0;
    },
    async listForDelivery() {
      const { rows } = await database.query<DestinationRow>(
        `SELECT ${COLUMNS} FROM alert_destinations WHERE enabled ORDER BY id`,
      );
      return rows.map(toDestination);
    },
    async reseal(box) {
      const { rows } = await database.query<{ id: string; secret_ciphertext: string }>(
        "SELECT id, secret_ciphertext FROM alert_destinations WHERE secret_ciphertext IS NOT NULL",
      );
      let count = 0;
      for (const row of rows) {
        if (!box.isStale(row.secret_ciphertext)) continue;
        const sealed = box.seal(box.open(row.secret_ciphertext));
        // Compare-and-set: a replica resealing at the same time leaves one result, both readable.
        const { rowCount } = await database.query(
          "UPDATE alert_destinations SET secret_ciphertext = $2 WHERE id = $1 AND secret_ciphertext = $3",
          [row.id, sealed, row.secret_ciphertext],
        );
        count += rowCount;
      }
      return count;
    },
  };
}
