import { createHash } from "node:crypto";
import type { Database, Queryable } from "../database.ts";
import { ModelRegistryError, StoreValidationError } from "../store-errors.ts";
import {
  type ActiveModelSet,
  type CompareWindow,
  DEPLOY_STRATEGIES,
  type DeploymentAction,
  type DeploymentHistoryQuery,
  type DeploymentRecord,
  type DeployOptions,
  type DeployStrategy,
  MAX_SHADOW_MODELS,
  type ModelComparison,
  type ModelStatus,
  type ModelVersionRecord,
  type ModelVersionWithFile,
  type RegisterModelInput,
  type RegisterModelResult,
  type RegistryChange,
  type VersionComparisonStats,
} from "./model-registry-types.ts";
import { isoOf, jsonObjectOf } from "./row-mapping.ts";

/*
 * The model registry: versions with their files, what is deployed how, and the history of every change.
 * Every mutation runs in one transaction that first takes a transaction-scoped advisory lock, so two
 * admins deploying at once are serialised (the second sees the first's result) and the partial unique
 * indexes (one active, one canary) are never the thing that decides. docs/model.md, "Model lifecycle",
 * describes the state machine.
 */

export const MAX_DEPLOYMENT_HISTORY = 1_000;
const VERSION = /^[A-Za-z0-9._:-]{1,100}$/;

const MODEL_COLUMNS = `version, feature_spec_version, checksum, status, traffic_percent, metadata, created_by,
  created_at, status_changed_at`;
const DEPLOYMENT_COLUMNS = `id::text AS id, version, action, strategy, traffic_percent, previous_active, actor,
  created_at`;

interface ModelRow {
  version: string;
  feature_spec_version: string;
  checksum: string;
  status: string;
  traffic_percent: number;
  metadata: Record<string, unknown> | string | null;
  created_by: string;
  created_at: Date | string;
  status_changed_at: Date | string;
  file?: string | null;
}

interface DeploymentRow {
  id: string;
  version: string;
  action: string;
  strategy: string | null;
  traffic_percent: number | null;
  previous_active: string | null;
  actor: string;
  created_at: Date | string;
}

interface SetRow {
  version: string;
  checksum: string;
  status: string;
  traffic_percent: number;
}

export interface ModelRegistry {
  /**
   * Registers a version. Idempotent: the same version and checksum again returns the stored record with
   * created false; the same version with another checksum is MODEL_VERSION_CONFLICT. Writes a `register`
   * history row when created. Consumers loading `fileJson` must still verify it (parseModelFile) and
   * compare its checksum with the record's.
   */
  register(input: RegisterModelInput): Promise<RegisterModelResult>;
  /** One version with its file; null when unknown. */
  get(version: string): Promise<ModelVersionWithFile | null>;
  /** Every version without files, newest registration first. */
  list(): Promise<ModelVersionRecord[]>;
  /** One cheap query over a handful of rows: poll it (every few seconds) and reload when `revision` moves. */
  activeSet(): Promise<ActiveModelSet>;
  /**
   * full: the version becomes active with 100 % (the previous active becomes inactive and is recorded as
   * previous_active, the rollback target); refused while another version is canary. shadow: scored
   * alongside, never served (at most MAX_SHADOW_MODELS; a canary moved to shadow gives its traffic back).
   * canary: trafficPercent (integer 1..100) of traffic, the active model keeps 100 - p; needs an active
   * model and no other canary. Deploying what is already in place changes nothing (changed: false).
   */
  deploy(version: string, options: DeployOptions): Promise<RegistryChange>;
  /** The canary's share, integer 0..100, the active model keeps the rest; 0 ends the canary (inactive). */
  setTraffic(version: string, percent: number, actor: string): Promise<RegistryChange>;
  /**
   * Restores the version that was active before the current one (following full deploys and earlier
   * rollbacks as a stack, so rolling back twice goes two versions back). The current active and any
   * canary become inactive: a rollback returns to a known state. Shadows stay. With `fromVersion`, only if
   * that version is the active one (MODEL_STATE_CONFLICT otherwise), so a retried request cannot roll
   * back twice. MODEL_NO_ROLLBACK_TARGET when there is no earlier version or it has been retired.
   */
  rollback(actor: string, options?: { fromVersion?: string }): Promise<RegistryChange>;
  /** Withdraws a version for good; refused for the active one. A canary's share returns to the active model. */
  retire(version: string, actor: string): Promise<RegistryChange>;
  /** History rows, newest first, optionally for one version. */
  history(query: DeploymentHistoryQuery): Promise<DeploymentRecord[]>;
  /**
   * Two versions side by side over a time window, in one SQL statement: predictions, anomaly rate, score
   * p50/p90/p99, reviewed false-positive rate, and agreement on the transactions both scored.
   */
  compareVersions(first: string, second: string, window: CompareWindow): Promise<ModelComparison>;
}

export function createModelRegistry(db: Database): ModelRegistry {
  return {
    async register(input) {
      assertVersion(input.version);
      requireText(input.checksum, "checksum");
      requireText(input.createdBy, "createdBy");
      requireText(String(input.featureSpecVersion), "featureSpecVersion");
      if (input.fileJson !== null && typeof input.fileJson !== "string")
        throw new StoreValidationError("fileJson must be a string or null", { field: "fileJson" });
      return db.transaction(async (tx) => {
        await lock(tx);
        const inserted = await tx.query<ModelRow>(
          `INSERT INTO model_versions (version, feature_spec_version, checksum, metadata, file, created_by)
           VALUES ($1, $2, $3, $4::jsonb, $5, $6)
           ON CONFLICT (version) DO NOTHING
           RETURNING ${MODEL_COLUMNS}`,
          [
            input.version,
            String(input.featureSpecVersion),
            input.checksum,
            JSON.stringify(input.metadata ?? {}),
            input.fileJson,
            input.createdBy,
          ],
        );
        const created = inserted.rows[0];
        if (created) {
          await recordDeployment(tx, {
            version: input.version,
            action: "register",
            previousActive: null,
            actor: input.createdBy,
          });
          return { created: true, model: toModel(created) };
        }
        const existing = await findModel(tx, input.version);
        if (existing === null) throw new Error(`model ${input.version} vanished during registration`);
        if (existing.checksum !== input.checksum) {
          throw new ModelRegistryError(
            "MODEL_VERSION_CONFLICT",
            `model ${input.version} is registered with another checksum`,
            { version: input.version, registeredChecksum: existing.checksum },
          );
        }
        return { created: false, model: existing };
      });
    },

    async get(version) {
      if (!VERSION.test(version)) return null;
      const { rows } = await db.query<ModelRow>(
        `SELECT ${MODEL_COLUMNS}, file FROM model_versions WHERE version = $1`,
        [version],
      );
      const row = rows[0];
      return row ? { ...toModel(row), fileJson: row.file ?? null } : null;
    },

    async list() {
      const { rows } = await db.query<ModelRow>(
        `SELECT ${MODEL_COLUMNS} FROM model_versions ORDER BY created_at DESC, version`,
      );
      return rows.map(toModel);
    },

    activeSet: () => readSet(db),

    async deploy(version, options) {
      assertVersion(version);
      requireText(options.actor, "actor");
      const strategy = options.strategy;
      if (!DEPLOY_STRATEGIES.includes(strategy))
        throw new StoreValidationError(`strategy must be one of ${DEPLOY_STRATEGIES.join(", ")}`, {
          field: "strategy",
        });
      if (strategy === "canary") assertPercent(options.trafficPercent, 1);
      else if (
        options.trafficPercent !== undefined &&
        !(strategy === "full" && options.trafficPercent === 100)
      )
        throw new StoreValidationError(`trafficPercent applies to canary deployments only`, {
          field: "trafficPercent",
        });
      return mutate(db, options.actor, async (tx) => {
        const target = await requireModel(tx, version);
        refuseRetired(target);
        const { active, canary, shadows } = splitSet(await readSetRows(tx));
        if (strategy === "full") {
          if (canary !== undefined && canary.version !== version)
            throw stateConflict(`a canary of ${canary.version} is in progress; promote it or end it first`, {
              canary: canary.version,
            });
          if (active?.version === version) return null;
          if (active) await setStatus(tx, active.version, "inactive", 0);
          await setStatus(tx, version, "active", 100);
          return {
            version,
            action: "deploy",
            strategy,
            trafficPercent: 100,
            previousActive: active?.version ?? null,
          };
        }
        if (active?.version === version)
          throw stateConflict(`${version} is the active model; deploy another version first`, { version });
        if (strategy === "shadow") {
          if (target.status === "shadow") return null;
          if (shadows.length >= MAX_SHADOW_MODELS)
            throw stateConflict(`at most ${MAX_SHADOW_MODELS} shadow models`, {
              shadows: shadows.map((shadow) => shadow.version),
            });
          if (target.status === "canary" && active) await setStatus(tx, active.version, "active", 100);
          await setStatus(tx, version, "shadow", 0);
          return {
            version,
            action: "deploy",
            strategy,
            trafficPercent: 0,
            previousActive: active?.version ?? null,
          };
        }
        const percent = options.trafficPercent as number;
        if (active === undefined)
          throw stateConflict("a canary needs an active model to share traffic with", { version });
        if (canary !== undefined && canary.version !== version)
          throw stateConflict(`a canary of ${canary.version} is in progress; one canary at a time`, {
            canary: canary.version,
          });
        if (canary?.version === version && canary.traffic_percent === percent) return null;
        await setStatus(tx, version, "canary", percent);
        await setStatus(tx, active.version, "active", 100 - percent);
        return {
          version,
          action: "deploy",
          strategy,
          trafficPercent: percent,
          previousActive: active.version,
        };
      });
    },

    async setTraffic(version, percent, actor) {
      assertVersion(version);
      requireText(actor, "actor");
      assertPercent(percent, 0);
      return mutate(db, actor, async (tx) => {
        const target = await requireModel(tx, version);
        if (target.status !== "canary")
          throw stateConflict(`${version} is ${target.status}, not a canary; traffic is set on the canary`, {
            version,
            status: target.status,
          });
        const { active } = splitSet(await readSetRows(tx));
        if (target.trafficPercent === percent) return null;
        await setStatus(tx, version, percent === 0 ? "inactive" : "canary", percent);
        if (active) await setStatus(tx, active.version, "active", 100 - percent);
        return {
          version,
          action: "traffic",
          strategy: null,
          trafficPercent: percent,
          previousActive: active?.version ?? null,
        };
      });
    },

    async rollback(actor, options = {}) {
      requireText(actor, "actor");
      return mutate(db, actor, async (tx) => {
        const { active, canary } = splitSet(await readSetRows(tx));
        if (active === undefined)
          throw new ModelRegistryError("MODEL_NO_ROLLBACK_TARGET", "no active model to roll back");
        if (options.fromVersion !== undefined && options.fromVersion !== active.version)
          throw stateConflict(`${options.fromVersion} is not the active model (${active.version} is)`, {
            active: active.version,
          });
        const target = await rollbackTarget(tx, active.version);
        if (target === null)
          throw new ModelRegistryError(
            "MODEL_NO_ROLLBACK_TARGET",
            `no version was active before ${active.version}`,
            {
              active: active.version,
            },
          );
        const targetRow = await findModel(tx, target);
        if (targetRow === null || targetRow.status === "retired")
          throw new ModelRegistryError(
            "MODEL_NO_ROLLBACK_TARGET",
            `the version active before ${active.version}, ${target}, has been retired`,
            { active: active.version, target },
          );
        if (canary) await setStatus(tx, canary.version, "inactive", 0);
        await setStatus(tx, active.version, "inactive", 0);
        await setStatus(tx, target, "active", 100);
        return {
          version: target,
          action: "rollback",
          strategy: null,
          trafficPercent: 100,
          previousActive: active.version,
        };
      });
    },

    async retire(version, actor) {
      assertVersion(version);
      requireText(actor, "actor");
      return mutate(db, actor, async (tx) => {
        const target = await requireModel(tx, version);
        if (target.status === "active")
          throw stateConflict(`${version} is the active model; deploy another version or roll back first`, {
            version,
          });
        if (target.status === "retired") return null;
        const { active } = splitSet(await readSetRows(tx));
        if (target.status === "canary" && active) await setStatus(tx, active.version, "active", 100);
        await setStatus(tx, version, "retired", 0);
        return {
          version,
          action: "retire",
          strategy: null,
          trafficPercent: null,
          previousActive: active?.version ?? null,
        };
      });
    },

    async history(query) {
      if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_DEPLOYMENT_HISTORY)
        throw new StoreValidationError(`limit must be an integer in 1..${MAX_DEPLOYMENT_HISTORY}`, {
          field: "limit",
        });
      const params: unknown[] = [query.limit];
      if (query.version !== undefined) params.push(query.version);
      const { rows } = await db.query<DeploymentRow>(
        `SELECT ${DEPLOYMENT_COLUMNS} FROM model_deployments
         ${query.version === undefined ? "" : "WHERE version = $2"}
         ORDER BY model_deployments.id DESC LIMIT $1`,
        params,
      );
      return rows.map(toDeployment);
    },

    compareVersions: (first, second, window) => compareVersions(db, first, second, window),
  };
}

type Change = {
  version: string;
  action: DeploymentAction;
  strategy: DeployStrategy | null;
  trafficPercent: number | null;
  previousActive: string | null;
};

/** Runs a registry change under the lock; `work` returns the history row to write, or null for "no change". */
function mutate(
  db: Database,
  actor: string,
  work: (tx: Queryable) => Promise<Change | null>,
): Promise<RegistryChange> {
  return db.transaction(async (tx) => {
    await lock(tx);
    const change = await work(tx);
    const deployment = change === null ? null : await recordDeployment(tx, { ...change, actor });
    return { changed: change !== null, deployment, set: await readSet(tx) };
  });
}

async function lock(tx: Queryable): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':chainwatch:model-registry'))");
}

async function recordDeployment(
  tx: Queryable,
  change: Omit<Change, "strategy" | "trafficPercent"> &
    Partial<Pick<Change, "strategy" | "trafficPercent">> & { actor: string },
): Promise<DeploymentRecord> {
  const { rows } = await tx.query<DeploymentRow>(
    `INSERT INTO model_deployments (version, action, strategy, traffic_percent, previous_active, actor)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${DEPLOYMENT_COLUMNS}`,
    [
      change.version,
      change.action,
      change.strategy ?? null,
      change.trafficPercent ?? null,
      change.previousActive,
      change.actor,
    ],
  );
  return toDeployment(rows[0] as DeploymentRow);
}

async function findModel(tx: Queryable, version: string): Promise<ModelVersionRecord | null> {
  const { rows } = await tx.query<ModelRow>(
    `SELECT ${MODEL_COLUMNS} FROM model_versions WHERE version = $1`,
    [version],
  );
  return rows[0] ? toModel(rows[0]) : null;
}

async function requireModel(tx: Queryable, version: string): Promise<ModelVersionRecord> {
  const model = await findModel(tx, version);
  if (model === null)
    throw new ModelRegistryError("MODEL_NOT_FOUND", `no model version ${version}`, { version });
  return model;
}

function refuseRetired(model: ModelVersionRecord): void {
  if (model.status === "retired")
    throw stateConflict(`${model.version} is retired and cannot be deployed`, {
      version: model.version,
      status: model.status,
    });
}

function stateConflict(message: string, details: Record<string, unknown>): ModelRegistryError {
  return new ModelRegistryError("MODEL_STATE_CONFLICT", message, details);
}

async function setStatus(tx: Queryable, version: string, status: ModelStatus, trafficPercent: number) {
  await tx.query(
    `UPDATE model_versions
     SET status = $2, traffic_percent = $3,
       status_changed_at = CASE WHEN status = $2 THEN status_changed_at ELSE now() END
     WHERE version = $1`,
    [version, status, trafficPercent],
  );
}

async function readSetRows(tx: Queryable): Promise<SetRow[]> {
  const { rows } = await tx.query<SetRow>(
    `SELECT version, checksum, status, traffic_percent FROM model_versions
     WHERE status IN ('active', 'canary', 'shadow') ORDER BY version`,
  );
  return rows.map((row) => ({ ...row, traffic_percent: Number(row.traffic_percent) }));
}

function splitSet(rows: SetRow[]): { active?: SetRow; canary?: SetRow; shadows: SetRow[] } {
  return {
    ...(rows.find((row) => row.status === "active")
      ? { active: rows.find((row) => row.status === "active") }
      : {}),
    ...(rows.find((row) => row.status === "canary")
      ? { canary: rows.find((row) => row.status === "canary") }
      : {}),
    shadows: rows.filter((row) => row.status === "shadow"),
  };
}

async function readSet(tx: Queryable): Promise<ActiveModelSet> {
  const rows = await readSetRows(tx);
  const { active, canary, shadows } = splitSet(rows);
  const revision = createHash("sha256")
    .update(JSON.stringify(rows.map((row) => [row.version, row.checksum, row.status, row.traffic_percent])))
    .digest("hex")
    .slice(0, 16);
  return {
    active: active
      ? { version: active.version, checksum: active.checksum, trafficPercent: active.traffic_percent }
      : null,
    shadows: shadows.map((shadow) => ({ version: shadow.version, checksum: shadow.checksum })),
    canary: canary
      ? { version: canary.version, checksum: canary.checksum, trafficPercent: canary.traffic_percent }
      : null,
    revision,
  };
}

/**
 * Replays activations (full deploys push the new active, rollbacks pop) to find the version under the
 * current one. Rows written by hand or before history existed are tolerated: a full deploy whose
 * previous_active is not on top pushes it first, and the current active is pushed if it is not on top.
 */
async function rollbackTarget(tx: Queryable, current: string): Promise<string | null> {
  const { rows } = await tx.query<{ action: string; version: string; previous_active: string | null }>(
    `SELECT action, version, previous_active FROM model_deployments
     WHERE action = 'rollback' OR (action = 'deploy' AND strategy = 'full')
     ORDER BY id`,
  );
  const stack: string[] = [];
  for (const row of rows) {
    if (row.action === "deploy") {
      if (row.previous_active !== null && stack.at(-1) !== row.previous_active)
        stack.push(row.previous_active);
      stack.push(row.version);
    } else {
      stack.pop();
      if (stack.at(-1) !== row.version) stack.push(row.version);
    }
  }
  if (stack.at(-1) !== current) stack.push(current);
  return stack.at(-2) ?? null;
}

function assertVersion(version: string): void {
  if (typeof version !== "string" || !VERSION.test(version))
    throw new StoreValidationError("version must be 1..100 of A-Z a-z 0-9 . _ : -", { field: "version" });
}

function requireText(value: string, field: string): void {
  if (typeof value !== "string" || value.trim().length === 0)
    throw new StoreValidationError(`${field} is required`, { field });
}

function assertPercent(value: number | undefined, min: 0 | 1): void {
  if (value === undefined || !Number.isInteger(value) || value < min || value > 100)
    throw new StoreValidationError(`trafficPercent must be an integer in ${min}..100`, {
      field: "trafficPercent",
    });
}

function toModel(row: ModelRow): ModelVersionRecord {
  return {
    version: row.version,
    featureSpecVersion: row.feature_spec_version,
    checksum: row.checksum,
    status: row.status as ModelStatus,
    trafficPercent: Number(row.traffic_percent),
    metadata: jsonObjectOf(row.metadata ?? {}),
    createdBy: row.created_by,
    createdAt: isoOf(row.created_at),
    statusChangedAt: isoOf(row.status_changed_at),
  };
}

function toDeployment(row: DeploymentRow): DeploymentRecord {
  return {
    id: row.id,
    version: row.version,
    action: row.action as DeploymentAction,
    strategy: row.strategy as DeployStrategy | null,
    trafficPercent: row.traffic_percent === null ? null : Number(row.traffic_percent),
    previousActive: row.previous_active,
    actor: row.actor,
    createdAt: isoOf(row.created_at),
  };
}

// One statement: the window's predictions of both versions once (CTE), per-version counts and continuous
// percentiles, the latest review verdict of each flagged transaction, and a self-join for agreement (on the
// same content: a hash stored with two contents has two results per version). The (model_version,
// created_at) index bounds the scan to the two versions and the window.
const COMPARE = `
WITH p AS (
  SELECT tx_hash, content_fingerprint, model_version, anomaly_score, is_anomaly
  FROM predictions
  WHERE model_version IN ($1, $2) AND created_at >= $3::timestamptz AND created_at < $4::timestamptz
),
stats AS (
  SELECT model_version,
    count(*) AS predictions,
    count(*) FILTER (WHERE is_anomaly) AS anomalies,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY anomaly_score) AS p50,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY anomaly_score) AS p90,
    percentile_cont(0.99) WITHIN GROUP (ORDER BY anomaly_score) AS p99
  FROM p GROUP BY model_version
),
verdicts AS (
  SELECT DISTINCT ON (a.tx_hash) a.tx_hash, a.false_positive
  FROM anomalies a
  WHERE a.reviewed AND a.tx_hash IN (SELECT tx_hash FROM p WHERE is_anomaly)
  ORDER BY a.tx_hash, a.reviewed_at DESC, a.id DESC
),
reviews AS (
  SELECT p.model_version, count(*) AS reviewed, count(*) FILTER (WHERE v.false_positive) AS false_positives
  FROM p JOIN verdicts v ON v.tx_hash = p.tx_hash
  WHERE p.is_anomaly
  GROUP BY p.model_version
),
pairs AS (
  SELECT count(*) AS scored_by_both,
    count(*) FILTER (WHERE x.is_anomaly AND y.is_anomaly) AS both_anomalous,
    count(*) FILTER (WHERE NOT x.is_anomaly AND NOT y.is_anomaly) AS both_normal,
    count(*) FILTER (WHERE x.is_anomaly AND NOT y.is_anomaly) AS only_first,
    count(*) FILTER (WHERE NOT x.is_anomaly AND y.is_anomaly) AS only_second
  FROM p x JOIN p y ON y.tx_hash = x.tx_hash AND y.content_fingerprint IS NOT DISTINCT FROM x.content_fingerprint
  WHERE x.model_version = $1 AND y.model_version = $2
)
SELECT v.version,
  coalesce(s.predictions, 0)::text AS predictions, coalesce(s.anomalies, 0)::text AS anomalies,
  s.p50, s.p90, s.p99,
  coalesce(r.reviewed, 0)::text AS reviewed, coalesce(r.false_positives, 0)::text AS false_positives,
  pairs.scored_by_both::text AS scored_by_both, pairs.both_anomalous::text AS both_anomalous,
  pairs.both_normal::text AS both_normal, pairs.only_first::text AS only_first,
  pairs.only_second::text AS only_second
FROM unnest(ARRAY[$1, $2]::text[]) WITH ORDINALITY AS v(version, position)
LEFT JOIN stats s ON s.model_version = v.version
LEFT JOIN reviews r ON r.model_version = v.version
CROSS JOIN pairs
ORDER BY v.position`;

interface CompareRow {
  version: string;
  predictions: string;
  anomalies: string;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  reviewed: string;
  false_positives: string;
  scored_by_both: string;
  both_anomalous: string;
  both_normal: string;
  only_first: string;
  only_second: string;
}

async function compareVersions(
  db: Database,
  first: string,
  second: string,
  window: CompareWindow,
): Promise<ModelComparison> {
  assertVersion(first);
  assertVersion(second);
  if (first === second)
    throw new StoreValidationError("compare two different versions", { field: "versions" });
  const { since, until } = window;
  if (!(since instanceof Date) || Number.isNaN(since.getTime()))
    throw new StoreValidationError("invalid since", { field: "since" });
  if (!(until instanceof Date) || Number.isNaN(until.getTime()) || until <= since)
    throw new StoreValidationError("until must be a date after since", { field: "until" });
  const { rows } = await db.query<CompareRow>(COMPARE, [
    first,
    second,
    since.toISOString(),
    until.toISOString(),
  ]);
  const [a, b] = rows;
  if (a === undefined || b === undefined) throw new Error("comparison returned no rows");
  const stats = (row: CompareRow): VersionComparisonStats => {
    const predictions = Number(row.predictions);
    const anomalies = Number(row.anomalies);
    const reviewed = Number(row.reviewed);
    const falsePositives = Number(row.false_positives);
    return {
      version: row.version,
      predictions,
      anomalies,
      anomalyRate: predictions === 0 ? null : anomalies / predictions,
      scoreQuantiles:
        row.p50 === null || row.p90 === null || row.p99 === null
          ? null
          : { p50: Number(row.p50), p90: Number(row.p90), p99: Number(row.p99) },
      reviewed,
      falsePositives,
      falsePositiveRate: reviewed === 0 ? null : falsePositives / reviewed,
    };
  };
  const scoredByBoth = Number(a.scored_by_both);
  const bothAnomalous = Number(a.both_anomalous);
  const bothNormal = Number(a.both_normal);
  return {
    since: since.toISOString(),
    until: until.toISOString(),
    versions: [stats(a), stats(b)],
    agreement: {
      scoredByBoth,
      bothAnomalous,
      bothNormal,
      onlyFirstAnomalous: Number(a.only_first),
      onlySecondAnomalous: Number(a.only_second),
      agreementRate: scoredByBoth === 0 ? null : (bothAnomalous + bothNormal) / scoredByBoth,
    },
  };
}
