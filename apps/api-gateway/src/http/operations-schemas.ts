import { z } from "zod";

/** Bodies of the operational endpoints: probes and the OpenAPI document (public, never rate limited). */
export const LivenessSchema = z.object({ status: z.literal("ok") }).meta({ id: "Liveness" });

const DependencyStateSchema = z
  .looseObject({
    status: z.enum(["up", "down"]),
    required: z.boolean().describe("Required dependencies make readiness fail while they are down"),
  })
  .describe("Plus what the check reports (backend, driver, writeQueueDepth, version, revision, error)")
  .meta({ id: "DependencyState" });

const DependenciesSchema = z
  .record(z.string(), DependencyStateSchema)
  .describe("By name: cache, database, model, and kafka in Kafka mode");

export const ReadinessSchema = z
  .object({
    status: z.enum(["ready", "unavailable"]),
    dependencies: DependenciesSchema,
  })
  .meta({ id: "Readiness" });

export const HealthSchema = z
  .object({
    status: z.enum(["ok", "degraded", "unavailable"]),
    uptimeSeconds: z.number().int(),
    modelVersion: z.string(),
    dependencies: DependenciesSchema,
    cache: z.object({
      backend: z.enum(["redis", "memory"]),
      hitRate: z.number(),
      predictionHitRate: z.number(),
      hits: z.number().int(),
      misses: z.number().int(),
      errors: z.number().int(),
      droppedWrites: z.number().int(),
    }),
  })
  .meta({ id: "Health" });

export const OpenApiDocumentSchema = z
  .looseObject({
    openapi: z.string(),
    info: z.looseObject({ title: z.string(), version: z.string() }),
    paths: z.record(z.string(), z.unknown()),
  })
  .describe("An OpenAPI 3.1 document")
  .meta({ id: "OpenApiDocument" });
