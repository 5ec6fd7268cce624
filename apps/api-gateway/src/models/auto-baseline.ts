import type { Logger } from "@chainwatch/service-kit";
import type { ModelComparison, ModelRegistry, ModelVersionRecord } from "@chainwatch/store";

/** What the policy needs trained: a spec-2 model file from served feature vectors. */
export interface TrainedBaseline {
  modelVersion: string;
  checksum: string;
  featureSpecVersion: number;
  modelJson: string;
  metadata: Record<string, unknown>;
  rows: number;
}

export interface AutoBaselineConfig {
  /** Served transactions with context before the first baseline is trained. */
  minTransactions: number;
  /** A new baseline is trained this long after the previous one (with as many new transactions again). */
  retrainIntervalMs: number;
  /** Newest served feature vectors a baseline is trained on. */
  trainingRows: number;
  /** Transactions the shadow must have scored before it is judged. */
  shadowMinTransactions: number;
  /** Gates: the shadow's anomaly rate at most this … */
  maxFlagRate: number;
  /** … and at most this many times the active model's (or maxFlagRate / 5 when the active flags nothing). */
  maxFlagRateRatio: number;
  /** Share of transactions both scored on which they agree, at least. */
  minAgreement: number;
}

export interface AutoBaselineDependencies {
  registry: ModelRegistry;
  servedFeatureVectors(limit: number): Promise<Record<string, number>[]>;
  countServedFeatureVectors(since?: Date): Promise<number>;
  train(rows: Record<string, number>[]): Promise<TrainedBaseline>;
  /** True when the latest drift check of the active model raised an alarm (medium or worse). */
  isDriftAlarm(): Promise<boolean>;
  audit(event: {
    action: string;
    outcome: "success" | "failure";
    resource: string;
    details: Record<string, unknown>;
  }): void;
  logger: Logger;
  config: AutoBaselineConfig;
  now?: () => Date;
}

export type AutoBaselineStep =
  | { action: "waiting"; servedWithContext: number; needed: number }
  | { action: "trained"; version: string; rows: number }
  | { action: "shadowing"; version: string; scored: number; needed: number }
  | { action: "promoted" | "rejected"; version: string; gates: GateResult[]; comparison: ModelComparison }
  | { action: "idle"; nextTrainingAt: string }
  | { action: "unchanged"; version: string; status: string };

export interface GateResult {
  gate: "flag_rate" | "flag_rate_ratio" | "agreement" | "drift";
  passed: boolean;
  value: number | boolean | null;
  limit: number | boolean;
}

export interface AutoBaselineStatus {
  enabled: boolean;
  config: AutoBaselineConfig;
  lastStep: (AutoBaselineStep & { at: string }) | null;
  lastError: { message: string; at: string } | null;
}

/** Who the policy is in the registry's history and the audit log. */
export const AUTO_BASELINE_ACTOR = "auto-baseline";

/**
 * A fresh deployment learns its chain. The shipped model was trained on data without call data or
 * addresses; once the deployment has served enough transactions with context, this policy trains a spec-2
 * model on the feature vectors it served (exactly what was scored), deploys it as a shadow (scored beside
 * the active model, never served), and after the shadow has scored enough traffic compares the two and
 * promotes it only when every gate passes; otherwise retires it. Then again on a schedule. Every step is
 * audited (actor `auto-baseline`) and shows in the registry's history and GET /api/v1/models/auto-baseline.
 *
 * One step per tick; each step reads its state from the registry, so a restart, or several replicas
 * ticking, resumes where the registry says (a second replica's training of the same rows registers the
 * same version: a no-op).
 */
export function createAutoBaseline(dependencies: AutoBaselineDependencies) {
  const { registry, config, logger } = dependencies;
  const now = dependencies.now ?? (() => new Date());
  let lastStep: AutoBaselineStatus["lastStep"] = null;
  let lastError: AutoBaselineStatus["lastError"] = null;
  let isRunning = false;

  const isOurs = (model: ModelVersionRecord) => model.createdBy === AUTO_BASELINE_ACTOR;

  async function shadowSince(version: string): Promise<Date> {
    const [latest] = await registry.history({ version, limit: 1 });
    return latest ? new Date(latest.createdAt) : now();
  }

  function judge(comparison: ModelComparison, driftAlarm: boolean): GateResult[] {
    const [active, shadow] = comparison.versions;
    const shadowRate = shadow.anomalyRate ?? 0;
    const activeRate = active.anomalyRate ?? 0;
    const ratioLimit = activeRate > 0 ? activeRate * config.maxFlagRateRatio : config.maxFlagRate / 5;
    const agreement = comparison.agreement.agreementRate;
    return [
      {
        gate: "flag_rate",
        passed: shadowRate <= config.maxFlagRate,
        value: shadowRate,
        limit: config.maxFlagRate,
      },
      { gate: "flag_rate_ratio", passed: shadowRate <= ratioLimit, value: shadowRate, limit: ratioLimit },
      {
        gate: "agreement",
        passed: agreement !== null && agreement >= config.minAgreement,
        value: agreement,
        limit: config.minAgreement,
      },
      { gate: "drift", passed: !driftAlarm, value: driftAlarm, limit: false },
    ];
  }

  async function step(): Promise<AutoBaselineStep> {
    const [models, set] = await Promise.all([registry.list(), registry.activeSet()]);
    const byVersion = new Map(models.map((model) => [model.version, model]));
    const shadow = set.shadows
      .map((entry) => byVersion.get(entry.version))
      .find((model): model is ModelVersionRecord => model !== undefined && isOurs(model));

    if (shadow && set.active) {
      const since = await shadowSince(shadow.version);
      const comparison = await registry.compareVersions(set.active.version, shadow.version, {
        since,
        until: now(),
      });
      const scored = comparison.versions[1].predictions;
      if (scored < config.shadowMinTransactions)
        return { action: "shadowing", version: shadow.version, scored, needed: config.shadowMinTransactions };
      const gates = judge(comparison, await dependencies.isDriftAlarm());
      const passed = gates.every((gate) => gate.passed);
      if (passed) await registry.deploy(shadow.version, { strategy: "full", actor: AUTO_BASELINE_ACTOR });
      else await registry.retire(shadow.version, AUTO_BASELINE_ACTOR);
      const action = passed ? "promoted" : "rejected";
      dependencies.audit({
        action: `model.auto_baseline.${passed ? "promote" : "reject"}`,
        outcome: "success",
        resource: `/api/v1/models/${shadow.version}`,
        details: {
          version: shadow.version,
          previousActive: set.active.version,
          gates,
          agreement: comparison.agreement,
        },
      });
      logger.info(
        { version: shadow.version, gates },
        passed ? "auto-baseline promoted" : "auto-baseline rejected",
      );
      return { action, version: shadow.version, gates, comparison };
    }

    const previous = models
      .filter(isOurs)
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
    const since = previous ? new Date(previous.createdAt) : undefined;
    if (previous && now().getTime() - Date.parse(previous.createdAt) < config.retrainIntervalMs) {
      return {
        action: "idle",
        nextTrainingAt: new Date(Date.parse(previous.createdAt) + config.retrainIntervalMs).toISOString(),
      };
    }
    const served = await dependencies.countServedFeatureVectors(since);
    if (served < config.minTransactions)
      return { action: "waiting", servedWithContext: served, needed: config.minTransactions };

    const rows = await dependencies.servedFeatureVectors(config.trainingRows);
    const trained = await dependencies.train(rows);
    const known = byVersion.get(trained.modelVersion);
    if (known && (known.status === "active" || known.status === "retired")) {
      // The same rows give the same model: nothing new to try (or it was tried and refused).
      return { action: "unchanged", version: trained.modelVersion, status: known.status };
    }
    await registry.register({
      version: trained.modelVersion,
      featureSpecVersion: trained.featureSpecVersion,
      checksum: trained.checksum,
      metadata: { ...trained.metadata, origin: AUTO_BASELINE_ACTOR, trainedOnServedRows: trained.rows },
      fileJson: trained.modelJson,
      createdBy: AUTO_BASELINE_ACTOR,
    });
    await registry.deploy(trained.modelVersion, { strategy: "shadow", actor: AUTO_BASELINE_ACTOR });
    dependencies.audit({
      action: "model.auto_baseline.train",
      outcome: "success",
      resource: `/api/v1/models/${trained.modelVersion}`,
      details: { version: trained.modelVersion, rows: trained.rows, deployedAs: "shadow" },
    });
    logger.info(
      { version: trained.modelVersion, rows: trained.rows },
      "auto-baseline trained; deployed as shadow",
    );
    return { action: "trained", version: trained.modelVersion, rows: trained.rows };
  }

  return {
    /** One step of the policy; concurrent calls in one process are skipped (null). */
    async tick(): Promise<AutoBaselineStep | null> {
      if (isRunning) return null;
      isRunning = true;
      try {
        const result = await step();
        lastStep = { ...result, at: now().toISOString() };
        lastError = null;
        return result;
      } catch (error) {
        lastError = {
          message: String((error as Error).message ?? error).slice(0, 500),
          at: now().toISOString(),
        };
        logger.warn({ err: error }, "auto-baseline step failed; retried at the next tick");
        dependencies.audit({
          action: "model.auto_baseline.step",
          outcome: "failure",
          resource: "/api/v1/models/auto-baseline",
          details: { message: lastError.message },
        });
        return null;
      } finally {
        isRunning = false;
      }
    },
    status: (enabled: boolean): AutoBaselineStatus => ({ enabled, config, lastStep, lastError }),
  };
}

export type AutoBaseline = ReturnType<typeof createAutoBaseline>;
