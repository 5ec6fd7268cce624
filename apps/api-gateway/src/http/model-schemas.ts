import { DEFAULT_TRAINING_PARAMETERS, TrainingParametersSchema } from "@chainwatch/model";
import { DRIFT_SEVERITIES, MAX_DRIFT_REPORT_PAGE } from "@chainwatch/store";
import { z } from "zod";
import { instantSchema } from "./instant.ts";

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
