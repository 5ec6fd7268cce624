export const MODEL_STATUSES = ["inactive", "active", "shadow", "canary", "retired"] as const;
/**
 * inactive: registered, not serving. active: serves every transaction the canary does not take (exactly
 * one at most). shadow: scores alongside the served model, results stored with served = false, never
 * returned. canary: serves trafficPercent of transactions (at most one). retired: withdrawn for good.
 */
export type ModelStatus = (typeof MODEL_STATUSES)[number];

export const DEPLOY_STRATEGIES = ["full", "shadow", "canary"] as const;
export type DeployStrategy = (typeof DEPLOY_STRATEGIES)[number];

export const DEPLOYMENT_ACTIONS = ["register", "deploy", "traffic", "rollback", "retire"] as const;
export type DeploymentAction = (typeof DEPLOYMENT_ACTIONS)[number];

/** Shadows beyond this are refused: each one costs a full extra scoring pass on every transaction. */
export const MAX_SHADOW_MODELS = 3;

export interface RegisterModelInput {
  /** e.g. "if-15ecf62a926d"; 1..100 of [A-Za-z0-9._:-]. */
  version: string;
  /** The feature spec the model was trained for (FEATURE_SPEC_VERSION); stored as text. */
  featureSpecVersion: string | number;
  /** SHA-256 of the model content (the model file's checksum.value). */
  checksum: string;
  /** What the registry shows without the file: describeModel(model) from @chainwatch/model. */
  metadata: Record<string, unknown>;
  /** The model file exactly as serialised (serializeModel); null when it lives elsewhere. */
  fileJson: string | null;
  createdBy: string;
}

export interface ModelVersionRecord {
  version: string;
  featureSpecVersion: string;
  checksum: string;
  status: ModelStatus;
  /** Share of served traffic: active 100 - canary, canary its share, everything else 0. */
  trafficPercent: number;
  metadata: Record<string, unknown>;
  createdBy: string;
  createdAt: string;
  statusChangedAt: string;
}

export interface ModelVersionWithFile extends ModelVersionRecord {
  fileJson: string | null;
}

export interface RegisterModelResult {
  /** false: the same version and checksum were already registered (nothing changed). */
  created: boolean;
  model: ModelVersionRecord;
}

/** What every scoring process needs to know to route and shadow; polled every few seconds. */
export interface ActiveModelSet {
  active: { version: string; checksum: string; trafficPercent: number } | null;
  /** Ascending by version. */
  shadows: { version: string; checksum: string }[];
  canary: { version: string; checksum: string; trafficPercent: number } | null;
  /**
   * Digest of the set (versions, checksums, statuses, percentages): equal revisions mean equal sets, so a
   * poller compares it with the one it loaded and reloads only on a difference.
   */
  revision: string;
}

export interface DeployOptions {
  strategy: DeployStrategy;
  /** canary only: integer 1..100, the canary's share; the active model keeps the rest. */
  trafficPercent?: number;
  actor: string;
}

export interface DeploymentRecord {
  id: string;
  version: string;
  action: DeploymentAction;
  strategy: DeployStrategy | null;
  trafficPercent: number | null;
  /** The active version just before this change. */
  previousActive: string | null;
  actor: string;
  createdAt: string;
}

export interface RegistryChange {
  /** false when the request asked for the state already in place (a retry): nothing was written. */
  changed: boolean;
  /** The history row written, null when nothing changed. */
  deployment: DeploymentRecord | null;
  /** The set after the change, read in the same transaction. */
  set: ActiveModelSet;
}

export interface CompareWindow {
  /** Predictions with since <= created_at < until. */
  since: Date;
  until: Date;
}

export interface VersionComparisonStats {
  version: string;
  /** Predictions in the window (served or shadow). */
  predictions: number;
  anomalies: number;
  /** anomalies / predictions; null without predictions. */
  anomalyRate: number | null;
  /** Continuous percentiles of anomaly scores (PostgreSQL percentile_cont); null without predictions. */
  scoreQuantiles: { p50: number; p90: number; p99: number } | null;
  /**
   * Anomalies of this version whose transaction an analyst has reviewed (the latest verdict on the
   * transaction, whichever version's anomaly row carried it: a verdict is about the transaction).
   */
  reviewed: number;
  falsePositives: number;
  /** falsePositives / reviewed; null when nothing is reviewed. */
  falsePositiveRate: number | null;
}

export interface ModelComparison {
  since: string;
  until: string;
  /** [first, second] in the order asked. */
  versions: [VersionComparisonStats, VersionComparisonStats];
  /** Over transactions both versions scored in the window. */
  agreement: {
    scoredByBoth: number;
    bothAnomalous: number;
    bothNormal: number;
    onlyFirstAnomalous: number;
    onlySecondAnomalous: number;
    /** (bothAnomalous + bothNormal) / scoredByBoth; null when no transaction was scored by both. */
    agreementRate: number | null;
  };
}

export interface DeploymentHistoryQuery {
  version?: string;
  /** 1..1000, newest first. */
  limit: number;
}
