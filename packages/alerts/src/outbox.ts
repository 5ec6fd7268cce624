import type { Database } from "@chainwatch/store";
import type { Alert } from "./alert.ts";

export interface OutboxEntry {
  destinationId: string;
  hash: string;
  messageId: string;
  alert: Alert;
}

export interface ClaimedDelivery {
  id: string;
  destinationId: string;
  messageId: string;
  alert: Alert;
  attempts: number;
  scoredAt: Date;
}

export interface DeliveryResult {
  id: string;
  isOk: boolean;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  /** When it failed: the wait before the next try (it is dead instead when that passes the maximum age). */
  retryDelayMs: number;
}

export type OutboxStatus = "pending" | "delivered" | "dead";

export interface DeadDelivery {
  id: string;
  destinationId: string;
  messageId: string;
  hash: string;
  attempts: number;
  createdAt: string;
  lastStatusCode: number | null;
  lastError: string | null;
}

/** One delivery as the API lists it: where it stands, how often it was tried and the last answer. */
export interface DeliveryRow {
  id: string;
  destinationId: string;
  messageId: string;
  hash: string;
  status: OutboxStatus;
  attempts: number;
  createdAt: string;
  /** Pending only: when it is (next) due. */
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
}

export interface DeliveryAttempt {
  attemptedAt: string;
  outcome: "delivered" | "failed" | "dead";
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

export interface OutboxStats {
  pending: number;
  dead: number;
  /** Age of the oldest pending delivery (since its anomaly was scored), 0 when none. */
  oldestPendingSeconds: number;
}

export interface Outbox {
  /** One row per (destination, transaction); a row already there is left alone. Returns rows inserted. */
  enqueue(entries: readonly OutboxEntry[]): Promise<number>;
  /** Due pending rows, leased to `owner` for `leaseMs`; other dispatchers skip them (SKIP LOCKED). */
  claim(options: {
    limit: number;
    leaseMs: number;
    owner: string;
    destinationId?: string;
  }): Promise<ClaimedDelivery[]>;
  /** Records one attempt per row and moves each to delivered, dead (past `maxAgeMs`) or its next try. */
  complete(options: {
    owner: string;
    maxAgeMs: number;
    results: readonly DeliveryResult[];
    digestId?: string;
  }): Promise<Map<string, OutboxStatus>>;
  /** Gives rows back without an attempt (breaker open, rate cap reached, shutdown), due after `delayMs`. */
  release(options: { ids: readonly string[]; owner: string; delayMs: number }): Promise<void>;
  /**
   * Takes one message of the destination's current window. Returns how many the window has used with it,
   * or null when the window is full, with the time left in the window either way.
   */
  reserveSlot(
    destinationId: string,
    cap: { maxPerWindow: number; windowSeconds: number },
  ): Promise<{ used: number | null; windowLeftMs: number }>;
  stats(): Promise<OutboxStats>;
  listDead(options: { destinationId?: string; limit: number; afterId?: string }): Promise<DeadDelivery[]>;
  /**
   * Deliveries of every status, newest first (id descending), keyset-paginated by `beforeId`. Delivered
   * rows are kept for ALERT_DELIVERED_RETENTION_HOURS, so this is the recent history, not all of it.
   */
  listDeliveries(options: {
    destinationId?: string;
    status?: OutboxStatus;
    limit: number;
    beforeId?: string;
  }): Promise<DeliveryRow[]>;
  /** Dead rows back to pending, due now, with a fresh maximum age. Returns how many. */
  redeliver(options: { destinationId?: string; ids?: readonly string[] }): Promise<number>;
  attempts(outboxId: string): Promise<DeliveryAttempt[]>;
  /** Deletes delivered rows (and their attempts) older than `olderThanMs`; returns how many. */
  purgeDelivered(olderThanMs: number, limit: number): Promise<number>;
}

interface ClaimRow {
  id: string | number;
  destination_id: string;
  message_id: string;
  payload: Alert | string;
  attempts: number;
  scored_at: Date | string;
}

const toClaimed = (row: ClaimRow): ClaimedDelivery => ({
  id: String(row.id),
  destinationId: row.destination_id,
  messageId: row.message_id,
  alert: typeof row.payload === "string" ? (JSON.parse(row.payload) as Alert) : row.payload,
  attempts: row.attempts,
  scoredAt: row.scored_at instanceof Date ? row.scored_at : new Date(row.scored_at),
});

const iso = (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString();

export function createOutbox(database: Database): Outbox {
  return {
    async enqueue(entries) {
      if (entries.length === 0) return 0;
      // One statement for the whole batch, rows as one JSON parameter (both drivers take it the same way).
      const { rowCount } = await database.query(
        `INSERT INTO alert_outbox (destination_id, tx_hash, message_id, payload, scored_at)
         SELECT destination_id, tx_hash, message_id, payload, scored_at
         FROM jsonb_to_recordset($1::jsonb)
           AS input(destination_id text, tx_hash text, message_id text, payload jsonb, scored_at timestamptz)
         ON CONFLICT (destination_id, tx_hash) DO NOTHING`,
        [
          JSON.stringify(
            entries.map((entry) => ({
              destination_id: entry.destinationId,
              tx_hash: entry.hash.toLowerCase(),
              message_id: entry.messageId,
              payload: entry.alert,
              scored_at: entry.alert.scoredAt,
            })),
          ),
        ],
      );
      return rowCount;
    },

    async claim({ limit, leaseMs, owner, destinationId }) {
      const { rows } = await database.query<ClaimRow>(
        `WITH due AS (
           SELECT id FROM alert_outbox
           WHERE status = 'pending' AND next_attempt_at <= now()
             AND (locked_until IS NULL OR locked_until < now())
             AND ($4::text IS NULL OR destination_id = $4)
           ORDER BY next_attempt_at
           LIMIT $1
           FOR UPDATE SKIP LOCKED
         )
         UPDATE alert_outbox AS o
         SET locked_until = now() + $2 * interval '1 millisecond', locked_by = $3
         FROM due WHERE o.id = due.id
         RETURNING o.id, o.destination_id, o.message_id, o.payload, o.attempts, o.scored_at`,
        [limit, leaseMs, owner, destinationId ?? null],
      );
      return rows.map(toClaimed).sort((a, b) => a.scoredAt.getTime() - b.scoredAt.getTime());
    },

    async complete({ owner, maxAgeMs, results, digestId }) {
      if (results.length === 0) return new Map();
      // The row moves only while this dispatcher still holds it: after a lost lease another one owns it.
      const { rows } = await database.query<{ id: string | number; status: OutboxStatus }>(
        `WITH input AS (
           SELECT * FROM jsonb_to_recordset($1::jsonb)
             AS t(id bigint, is_ok boolean, status_code integer, latency_ms integer, error text, retry_delay_ms bigint)
         ), updated AS (
           UPDATE alert_outbox AS o SET
             status = CASE
               WHEN input.is_ok THEN 'delivered'
               WHEN now() + input.retry_delay_ms * interval '1 millisecond'
                 > o.age_from + $2 * interval '1 millisecond' THEN 'dead'
               ELSE 'pending' END,
             attempts = o.attempts + 1,
             delivered_at = CASE WHEN input.is_ok THEN now() END,
             next_attempt_at = CASE WHEN input.is_ok THEN o.next_attempt_at
               ELSE now() + input.retry_delay_ms * interval '1 millisecond' END,
             locked_until = NULL, locked_by = NULL,
             digest_id = $4,
             last_status_code = input.status_code,
             last_error = input.error
           FROM input
           WHERE o.id = input.id AND o.locked_by = $3 AND o.status = 'pending'
           RETURNING o.id, o.destination_id, o.message_id, o.status, input.status_code, input.latency_ms, input.error
         ), recorded AS (
           INSERT INTO alert_attempts (outbox_id, destination_id, message_id, outcome, status_code, latency_ms, error)
           SELECT id, destination_id, message_id,
             CASE status WHEN 'pending' THEN 'failed' ELSE status END, status_code, latency_ms, error
           FROM updated
         )
         SELECT id, status FROM updated`,
        [
          JSON.stringify(
            results.map((result) => ({
              id: result.id,
              is_ok: result.isOk,
              status_code: result.statusCode,
              latency_ms: result.latencyMs,
              error: result.error,
              retry_delay_ms: Math.round(result.retryDelayMs),
            })),
          ),
          maxAgeMs,
          owner,
          digestId ?? null,
        ],
      );
      return new Map(rows.map((row) => [String(row.id), row.status]));
    },

    async release({ ids, owner, delayMs }) {
      if (ids.length === 0) return;
      await database.query(
        `UPDATE alert_outbox SET locked_until = NULL, locked_by = NULL,
           next_attempt_at = greatest(next_attempt_at, now() + $3 * interval '1 millisecond')
         WHERE id = ANY(SELECT jsonb_array_elements_text($1::jsonb)::bigint) AND locked_by = $2`,
        [JSON.stringify(ids), owner, Math.round(delayMs)],
      );
    },

    async reserveSlot(destinationId, cap) {
      const { rows } = await database.query<{ used: number | null; window_left_ms: string | number }>(
        `WITH win AS (
           SELECT to_timestamp(floor(extract(epoch FROM now()) / $2) * $2) AS start
         ), taken AS (
           INSERT INTO alert_rate_windows (destination_id, window_start, sent)
           SELECT $1, start, 1 FROM win
           ON CONFLICT (destination_id, window_start)
             DO UPDATE SET sent = alert_rate_windows.sent + 1 WHERE alert_rate_windows.sent < $3
           RETURNING sent
         )
         SELECT (SELECT sent FROM taken) AS used,
           ceil(extract(epoch FROM (SELECT start FROM win) + $2 * interval '1 second' - now()) * 1000) AS window_left_ms`,
        [destinationId, cap.windowSeconds, cap.maxPerWindow],
      );
      const row = rows[0];
      return { used: row?.used ?? null, windowLeftMs: Math.max(1, Number(row?.window_left_ms ?? 1)) };
    },

    async stats() {
      const { rows } = await database.query<{
        pending: string;
        dead: string;
        oldest: string | number | null;
      }>(
        `SELECT count(*) FILTER (WHERE status = 'pending') AS pending,
           count(*) FILTER (WHERE status = 'dead') AS dead,
           extract(epoch FROM now() - min(scored_at) FILTER (WHERE status = 'pending')) AS oldest
         FROM alert_outbox WHERE status <> 'delivered'`,
      );
      const row = rows[0];
      return {
        pending: Number(row?.pending ?? 0),
        dead: Number(row?.dead ?? 0),
        oldestPendingSeconds: Math.max(0, Number(row?.oldest ?? 0)),
      };
    },

    async listDead({ destinationId, limit, afterId }) {
      const { rows } = await database.query<{
        id: string | number;
        destination_id: string;
        message_id: string;
        tx_hash: string;
        attempts: number;
        created_at: Date | string;
        last_status_code: number | null;
        last_error: string | null;
      }>(
        `SELECT id, destination_id, message_id, tx_hash, attempts, created_at, last_status_code, last_error
         FROM alert_outbox
         WHERE status = 'dead' AND ($1::text IS NULL OR destination_id = $1) AND id > $2
         ORDER BY id LIMIT $3`,
        [destinationId ?? null, afterId ?? "0", limit],
      );
      return rows.map((row) => ({
        id: String(row.id),
        destinationId: row.destination_id,
        messageId: row.message_id,
        hash: row.tx_hash,
        attempts: row.attempts,
        createdAt: iso(row.created_at),
        lastStatusCode: row.last_status_code,
        lastError: row.last_error,
      }));
    },

    async listDeliveries({ destinationId, status, limit, beforeId }) {
      // Newest first through the primary key; the filters are checked on the rows it walks (no index per
      // destination and status: delivered rows are purged after their retention, so the table stays small).
      const { rows } = await database.query<{
        id: string | number;
        destination_id: string;
        message_id: string;
        tx_hash: string;
        status: OutboxStatus;
        attempts: number;
        created_at: Date | string;
        next_attempt_at: Date | string;
        delivered_at: Date | string | null;
        last_status_code: number | null;
        last_error: string | null;
      }>(
        `SELECT id, destination_id, message_id, tx_hash, status, attempts, created_at, next_attempt_at,
           delivered_at, last_status_code, last_error
         FROM alert_outbox
         WHERE ($1::text IS NULL OR destination_id = $1) AND ($2::text IS NULL OR status = $2)
           AND ($3::bigint IS NULL OR id < $3::bigint)
         ORDER BY id DESC LIMIT $4`,
        [destinationId ?? null, status ?? null, beforeId ?? null, limit],
      );
      return rows.map((row) => ({
        id: String(row.id),
        destinationId: row.destination_id,
        messageId: row.message_id,
        hash: row.tx_hash,
        status: row.status,
        attempts: row.attempts,
        createdAt: iso(row.created_at),
        nextAttemptAt: row.status === "pending" ? iso(row.next_attempt_at) : null,
        deliveredAt: row.delivered_at === null ? null : iso(row.delivered_at),
        lastStatusCode: row.last_status_code,
        lastError: row.last_error,
      }));
    },

    async redeliver({ destinationId, ids }) {
      const { rowCount } = await database.query(
        `UPDATE alert_outbox SET status = 'pending', next_attempt_at = now(), age_from = now(),
           locked_until = NULL, locked_by = NULL
         WHERE status = 'dead' AND ($1::text IS NULL OR destination_id = $1)
           AND ($2::jsonb IS NULL OR id IN (SELECT jsonb_array_elements_text($2::jsonb)::bigint))`,
        [destinationId ?? null, ids ? JSON.stringify(ids) : null],
      );
      return rowCount;
    },

    async attempts(outboxId) {
      const { rows } = await database.query<{
        attempted_at: Date | string;
        outcome: DeliveryAttempt["outcome"];
        status_code: number | null;
        latency_ms: number;
        error: string | null;
      }>(
        `SELECT attempted_at, outcome, status_code, latency_ms, error FROM alert_attempts
         WHERE outbox_id = $1 ORDER BY id`,
        [outboxId],
      );
      return rows.map((row) => ({
        attemptedAt: iso(row.attempted_at),
        outcome: row.outcome,
        statusCode: row.status_code,
        latencyMs: row.latency_ms,
        error: row.error,
      }));
    },

    async purgeDelivered(olderThanMs, limit) {
      const { rowCount } = await database.query(
        `DELETE FROM alert_outbox WHERE id IN (
           SELECT id FROM alert_outbox
           WHERE status = 'delivered' AND delivered_at < now() - $1 * interval '1 millisecond'
           LIMIT $2)`,
        [olderThanMs, limit],
      );
      return rowCount;
    },
  };
}
