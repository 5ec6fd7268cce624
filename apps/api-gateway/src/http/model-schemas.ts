import { DEFAULT_TRAINING_PARAMETERS, TrainingParametersSchema } from "@chainwatch/model";
import {
  DEPLOY_STRATEGIES,
  DEPLOYMENT_ACTIONS,
  DRIFT_SEVERITIES,
  DRIFT_TRIGGERS,
  MAX_DRIFT_REPORT_PAGE,
  MODEL_STATUSES,
} from "@chainwatch/store";
import { z } from "zod";
import { instantSchema, TimestampSchema } from "./instant.ts";
import { JobStatusSchema } from "./schemas.ts";

const instant = instantSchema("a date-time");
const version = z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, "1..100 of [A-Za-z0-9._:-]");

export const TrainModelRequestSchema = z
  .strictObject({
    source: z.discriminatedUnion("kind", [
      z.strictObject({ kind: z.literal("stored"), since: instant, until: instant }),
      z.strictObject({ kind: z.literal("file"), path: z.string().min(1).max(1_000) }),
    ]),
    parameters: TrainingParametersSchema.default({ ...DEFAULT_TRAINING_PARAMETERS }),
  })
  .meta({ id: "TrainModelRequest" });

export const DeployModelRequestSchema = z
  .strictObject({
    strategy: z.enum(["shadow", "canary", "full"]),
    trafficPercent: z.number().int().min(1).max(100).optional(),
  })
  .meta({ id: "DeployModelRequest" });

export const ModelTrafficRequestSchema = z
  .strictObject({ percent: z.number().int().min(0).max(100) })
  .meta({ id: "ModelTrafficRequest" });

export const RollbackModelRequestSchema = z
  .strictObject({ fromVersion: version.optional() })
  .meta({ id: "RollbackModelRequest" });

export const CompareModelsRequestSchema = z
  .strictObject({ versions: z.tuple([version, version]), since: instant, until: instant })
  .meta({ id: "CompareModelsRequest" });

export const DriftRequestSchema = z
  .strictObject({
    /** Recent stored transactions first seen at or after this instant; default the last hour. */
    since: instant.optional(),
    /** At most this many of them: the newest of the window (the report's windowSince says where they start). */
    maxRows: z.number().int().min(1).max(1_000_000).default(100_000),
  })
  .meta({ id: "DriftRequest" });

export const DriftHistoryQuerySchema = z
  .strictObject({
    modelVersion: version.optional(),
    minSeverity: z.enum(DRIFT_SEVERITIES).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_DRIFT_REPORT_PAGE).default(50),
  })
  .meta({ id: "DriftHistoryQuery" });

export const ModelVersionParamSchema = version;

// --- Responses

const ServingModelSchema = z.object({ version: z.string(), checksum: z.string() });

export const ActiveModelSetSchema = z
  .object({
    active: ServingModelSchema.extend({ trafficPercent: z.number().int() }).nullable(),
    shadows: z.array(ServingModelSchema).describe("Ascending by version"),
    canary: ServingModelSchema.extend({ trafficPercent: z.number().int() }).nullable(),
    revision: z.string().describe("Digest of the set: equal revisions mean equal sets"),
  })
  .meta({ id: "ActiveModelSet" });

export const ModelVersionSchema = z
  .object({
    version: z.string(),
    featureSpecVersion: z.string(),
    checksum: z.string().describe("SHA-256 of the model content"),
    status: z.enum(MODEL_STATUSES),
    trafficPercent: z.number().int().describe("Share of served traffic"),
    metadata: z.record(z.string(), z.unknown()).describe("What the model file describes about itself"),
    createdBy: z.string(),
    createdAt: TimestampSchema,
    statusChangedAt: TimestampSchema,
  })
  .meta({ id: "ModelVersion" });

export const ModelListSchema = z
  .object({
    versions: z.array(ModelVersionSchema),
    activeSet: ActiveModelSetSchema,
    serving: z.object({
      revision: z
        .string()
        .nullable()
        .describe("Revision of the set this replica serves; null before the first load"),
    }),
  })
  .meta({ id: "ModelList" });

export const DeploymentSchema = z
  .object({
    id: z.string(),
    version: z.string(),
    action: z.enum(DEPLOYMENT_ACTIONS),
    strategy: z.enum(DEPLOY_STRATEGIES).nullable(),
    trafficPercent: z.number().int().nullable(),
    previousActive: z.string().nullable().describe("The active version just before this change"),
    actor: z.string(),
    createdAt: TimestampSchema,
  })
  .meta({ id: "Deployment" });

export const ModelDetailSchema = ModelVersionSchema.extend({
  hasFile: z.boolean().describe("Whether the registry holds the model file"),
  history: z.array(DeploymentSchema).describe("Newest first, at most 50"),
}).meta({ id: "ModelDetail" });

export const RegistryChangeSchema = z
  .object({
    changed: z.boolean().describe("false: the state asked for was already in place; nothing was written"),
    deployment: DeploymentSchema.nullable(),
    set: ActiveModelSetSchema,
  })
  .meta({ id: "RegistryChange" });

export const TrainingJobSchema = z
  .object({
    id: z.string(),
    status: JobStatusSchema,
    phase: z.string(),
    rows: z.number().int(),
    source: z.discriminatedUnion("kind", [
      z.object({ kind: z.literal("stored"), since: z.string(), until: z.string() }),
      z.object({ kind: z.literal("file"), path: z.string() }),
    ]),
    modelVersion: z.string().nullable(),
    registered: z.boolean().nullable().describe("false: the same model was registered before"),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    startedAt: TimestampSchema,
    finishedAt: TimestampSchema.nullable(),
    createdBy: z.string(),
  })
  .meta({ id: "TrainingJob" });

const VersionComparisonSchema = z.object({
  version: z.string(),
  predictions: z.number().int(),
  anomalies: z.number().int(),
  anomalyRate: z.number().nullable(),
  scoreQuantiles: z.object({ p50: z.number(), p90: z.number(), p99: z.number() }).nullable(),
  reviewed: z.number().int(),
  falsePositives: z.number().int(),
  falsePositiveRate: z.number().nullable(),
});

export const ModelComparisonSchema = z
  .object({
    since: TimestampSchema,
    until: TimestampSchema,
    versions: z.tuple([VersionComparisonSchema, VersionComparisonSchema]).describe("In the order asked"),
    agreement: z
      .object({
        scoredByBoth: z.number().int(),
        bothAnomalous: z.number().int(),
        bothNormal: z.number().int(),
        onlyFirstAnomalous: z.number().int(),
        onlySecondAnomalous: z.number().int(),
        agreementRate: z.number().nullable(),
      })
      .describe("Over transactions both versions scored in the window"),
  })
  .meta({ id: "ModelComparison" });

export const DriftReportSchema = z
  .object({
    id: z.string(),
    recordedAt: TimestampSchema,
    modelVersion: z.string(),
    recentRows: z.number().int(),
    ksRecentRows: z.number().int(),
    referenceRows: z.number().int(),
    referenceSampleSize: z.number().int(),
    insufficientData: z.boolean().describe("Too few recent rows: statistics only, nothing judged drifted"),
    features: z.array(
      z.object({
        feature: z.string(),
        psi: z.number(),
        ksStatistic: z.number(),
        ksPValue: z.number(),
        meanShift: z
          .number()
          .describe("Recent mean minus the training mean, in training standard deviations"),
        isDrifted: z.boolean(),
      }),
    ),
    driftedFeatures: z.array(z.string()),
    maxPsi: z.number(),
    severity: z.enum(DRIFT_SEVERITIES),
    thresholds: z.record(z.string(), z.unknown()).describe("The rules this report was judged by"),
  })
  .meta({ id: "DriftReport" });

export const StoredDriftReportSchema = z
  .object({
    id: z.string(),
    modelVersion: z.string(),
    trigger: z.enum(DRIFT_TRIGGERS),
    requestedBy: z.string(),
    windowSince: TimestampSchema,
    windowUntil: TimestampSchema,
    recentRows: z.number().int(),
    severity: z.enum(DRIFT_SEVERITIES),
    maxPsi: z.number(),
    driftedFeatures: z.array(z.string()),
    insufficientData: z.boolean(),
    report: z
      .record(z.string(), z.unknown())
      .describe("The full report, as POST /api/v1/models/drift answered it"),
    createdAt: TimestampSchema,
  })
  .meta({ id: "StoredDriftReport" });

export const DriftReportListSchema = z
  .object({ reports: z.array(StoredDriftReportSchema).describe("Newest first") })
  .meta({ id: "DriftReportList" });

const GateResultSchema = z.object({
  gate: z.enum(["flag_rate", "flag_rate_ratio", "agreement", "drift"]),
  passed: z.boolean(),
  value: z.union([z.number(), z.boolean(), z.null()]),
  limit: z.union([z.number(), z.boolean()]),
});

export const AutoBaselineStatusSchema = z
  .object({
    enabled: z.boolean(),
    config: z
      .object({
        minTransactions: z.number().int(),
        retrainIntervalMs: z.number(),
        trainingRows: z.number().int(),
        shadowMinTransactions: z.number().int(),
        maxFlagRate: z.number(),
        maxFlagRateRatio: z.number(),
        minAgreement: z.number(),
      })
      .nullable()
      .describe("null when this gateway runs without the policy"),
    lastStep: z
      .looseObject({
        action: z
          .enum(["waiting", "trained", "shadowing", "promoted", "rejected", "idle", "unchanged"])
          .describe(
            "waiting: too little served traffic; trained: a new version deployed as shadow; shadowing: the shadow is collecting traffic; promoted / rejected: the gates' decision; idle: until the next retraining; unchanged: the same rows gave the same model",
          ),
        at: z.string(),
        version: z.string().optional(),
        gates: z.array(GateResultSchema).optional(),
      })
      .nullable()
      .describe("This replica's latest step; the registry history (actor auto-baseline) has every change"),
    lastError: z.object({ message: z.string(), at: z.string() }).nullable(),
  })
  .meta({ id: "AutoBaselineStatus" });
