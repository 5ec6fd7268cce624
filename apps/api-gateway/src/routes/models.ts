import type { RegistryModelProvider } from "@chainwatch/scoring";
import type { ModelRegistry } from "@chainwatch/store";
import type { AuditLog } from "../auth/audit-log.ts";
import { actorOf } from "../auth/principal.ts";
import type { Endpoint } from "../http/endpoint.ts";
import { notFound, stateConflict, validationError } from "../http/errors.ts";
import {
  AutoBaselineStatusSchema,
  CompareModelsRequestSchema,
  DeployModelRequestSchema,
  DriftHistoryQuerySchema,
  DriftReportListSchema,
  DriftReportSchema,
  DriftRequestSchema,
  ModelComparisonSchema,
  ModelDetailSchema,
  ModelListSchema,
  ModelTrafficRequestSchema,
  ModelVersionParamSchema,
  RegistryChangeSchema,
  RollbackModelRequestSchema,
  TrainingJobSchema,
  TrainModelRequestSchema,
} from "../http/model-schemas.ts";
import { JobAcceptedSchema } from "../http/schemas.ts";
import { parseOrThrow, requireJsonBody } from "../http/validate.ts";
import type { AutoBaseline } from "../models/auto-baseline.ts";
import type { ModelOperations } from "../models/model-operations.ts";
import { fromDatabase } from "../persistence/from-database.ts";

export interface ModelRouteOptions {
  registry: ModelRegistry;
  models: RegistryModelProvider;
  operations: ModelOperations;
  audit: AuditLog;
  /** The auto-baseline policy, when enabled. */
  autoBaseline?: { policy: AutoBaseline; enabled: boolean };
}

const versionParam = (value: string | undefined) =>
  parseOrThrow(ModelVersionParamSchema, value ?? "", "model version");

/**
 * The model lifecycle over HTTP. Reads: viewer; compare and drift: analyst; train, deploy, traffic,
 * rollback: admin (each endpoint's `access`). Every change is audited; the registry is the source of
 * truth and every replica serves the change within MODEL_REFRESH_INTERVAL_SECONDS plus one model load.
 */
export function modelEndpoints(options: ModelRouteOptions): Endpoint[] {
  const { registry, models, operations, audit } = options;

  return [
    {
      operationId: "listModels",
      method: "get",
      path: "/api/v1/models",
      access: "models:read",
      summary: "Registered versions and the active set",
      tag: "models",
      response: ModelListSchema,
      errors: [503],
      handler: async (_req, res) => {
        const [versions, set] = await fromDatabase(Promise.all([registry.list(), registry.activeSet()]));
        res.json({ versions, activeSet: set, serving: { revision: models.revision() } });
      },
    },
    {
      operationId: "trainModel",
      auditAction: "model.train",
      method: "post",
      path: "/api/v1/models/train",
      access: "models:manage",
      summary:
        "202: train a model off the request path (stored window or a file under MODEL_TRAINING_DATA_DIR)",
      tag: "models",
      request: TrainModelRequestSchema,
      response: JobAcceptedSchema,
      status: 202,
      errors: [400, 409, 429],
      handler: (req, res) => {
        const body = parseOrThrow(TrainModelRequestSchema, requireJsonBody(req.body), "training request");
        const job = operations.startTraining(body.source, body.parameters, actorOf(res));
        audit.record(req, res, {
          action: "model.train",
          outcome: "success",
          details: { jobId: job.id, source: body.source.kind, parameters: body.parameters },
        });
        res
          .status(202)
          .location(`/api/v1/models/jobs/${job.id}`)
          .json({ jobId: job.id, status: job.status, statusUrl: `/api/v1/models/jobs/${job.id}` });
      },
    },
    {
      operationId: "getTrainingJob",
      method: "get",
      path: "/api/v1/models/jobs/{id}",
      access: "models:read",
      summary: "Progress, rows, resulting version or error of a training job",
      tag: "models",
      response: TrainingJobSchema,
      errors: [404],
      handler: (req, res) => {
        const job = operations.getJob(String(req.params.id ?? ""));
        if (!job) throw notFound("no such training job on this instance");
        res.json(job);
      },
    },
    {
      operationId: "rollbackModel",
      auditAction: "model.rollback",
      method: "post",
      path: "/api/v1/models/rollback",
      access: "models:manage",
      summary: "Restore the previously active version (ends any canary)",
      tag: "models",
      request: RollbackModelRequestSchema,
      response: RegistryChangeSchema,
      errors: [400, 409, 503],
      handler: async (req, res) => {
        const body = parseOrThrow(RollbackModelRequestSchema, req.body ?? {}, "rollback request");
        const change = await fromDatabase(registry.rollback(actorOf(res), body));
        audit.record(req, res, {
          action: "model.rollback",
          outcome: "success",
          details: { changed: change.changed, active: change.set.active?.version ?? null, ...body },
        });
        res.json(change);
      },
    },
    {
      operationId: "compareModels",
      method: "post",
      path: "/api/v1/models/compare",
      access: "models:analyze",
      summary: "Two versions side by side over a time window",
      tag: "models",
      request: CompareModelsRequestSchema,
      response: ModelComparisonSchema,
      errors: [400, 404, 503],
      handler: async (req, res) => {
        const body = parseOrThrow(CompareModelsRequestSchema, requireJsonBody(req.body), "compare request");
        const since = new Date(body.since);
        const until = new Date(body.until);
        if (!(since < until))
          throw validationError("since must be before until", [
            { path: "until", message: "not after since" },
          ]);
        res.json(
          await fromDatabase(registry.compareVersions(body.versions[0], body.versions[1], { since, until })),
        );
      },
    },
    {
      operationId: "checkDrift",
      auditAction: "model.drift",
      method: "post",
      path: "/api/v1/models/drift",
      access: "models:analyze",
      summary: "Drift of recent stored traffic against the active model (sets model_drift_* gauges)",
      tag: "models",
      request: DriftRequestSchema,
      response: DriftReportSchema,
      errors: [400, 409, 503],
      handler: async (req, res) => {
        const body = parseOrThrow(DriftRequestSchema, req.body ?? {}, "drift request");
        const report = await operations.checkDrift({
          ...(body.since ? { since: new Date(body.since) } : {}),
          maxRows: body.maxRows,
          trigger: "api",
          requestedBy: actorOf(res),
        });
        audit.record(req, res, {
          action: "model.drift",
          outcome: "success",
          details: { reportId: report.id, severity: report.severity, rows: report.recentRows },
        });
        res.json(report);
      },
    },
    {
      operationId: "listDriftReports",
      method: "get",
      path: "/api/v1/models/drift",
      access: "models:read",
      summary: "Recorded drift checks (scheduled and on demand), newest first",
      tag: "models",
      query: DriftHistoryQuerySchema,
      response: DriftReportListSchema,
      errors: [400, 503],
      handler: async (req, res) => {
        const query = parseOrThrow(DriftHistoryQuerySchema, req.query, "drift history query");
        res.json({ reports: await fromDatabase(operations.driftHistory(query)) });
      },
    },
    {
      operationId: "getAutoBaseline",
      method: "get",
      path: "/api/v1/models/auto-baseline",
      access: "models:read",
      summary: "The auto-baseline policy: settings and this replica's latest step",
      tag: "models",
      response: AutoBaselineStatusSchema,
      errors: [],
      handler: async (_req, res) => {
        const auto = options.autoBaseline;
        res.json(
          auto
            ? auto.policy.status(auto.enabled)
            : { enabled: false, config: null, lastStep: null, lastError: null },
        );
      },
    },
    {
      operationId: "runAutoBaseline",
      auditAction: "model.auto_baseline.run",
      method: "post",
      path: "/api/v1/models/auto-baseline/run",
      access: "models:manage",
      summary: "Take the auto-baseline policy's next step now (train, judge the shadow, or report waiting)",
      tag: "models",
      response: AutoBaselineStatusSchema,
      errors: [409, 503],
      handler: async (_req, res) => {
        const auto = options.autoBaseline;
        if (!auto?.enabled)
          throw stateConflict(
            "AUTO_BASELINE_DISABLED",
            "the auto-baseline policy is disabled (AUTO_BASELINE_ENABLED=false)",
          );
        await auto.policy.tick();
        res.json(auto.policy.status(auto.enabled));
      },
    },
    {
      operationId: "getModel",
      method: "get",
      path: "/api/v1/models/{version}",
      access: "models:read",
      summary: "One version's metadata and deployment history",
      tag: "models",
      response: ModelDetailSchema,
      errors: [400, 404, 503],
      handler: async (req, res) => {
        const version = versionParam(String(req.params.version ?? ""));
        const record = await fromDatabase(registry.get(version));
        if (!record) throw notFound(`model ${version} is not registered`);
        const { fileJson, ...metadata } = record;
        const history = await fromDatabase(registry.history({ version, limit: 50 }));
        res.json({ ...metadata, hasFile: fileJson !== null, history });
      },
    },
    {
      operationId: "deployModel",
      auditAction: "model.deploy",
      method: "post",
      path: "/api/v1/models/{version}/deploy",
      access: "models:manage",
      summary: "Deploy as shadow, canary (trafficPercent) or full; served within the refresh interval",
      tag: "models",
      request: DeployModelRequestSchema,
      response: RegistryChangeSchema,
      errors: [400, 404, 409, 503],
      handler: async (req, res) => {
        const version = versionParam(String(req.params.version ?? ""));
        const body = parseOrThrow(DeployModelRequestSchema, requireJsonBody(req.body), "deploy request");
        if (body.strategy === "canary" && body.trafficPercent === undefined) {
          throw validationError("a canary needs trafficPercent", [
            { path: "trafficPercent", message: "required for canary" },
          ]);
        }
        if (body.strategy !== "canary" && body.trafficPercent !== undefined) {
          throw validationError("trafficPercent is for canaries only", [
            { path: "trafficPercent", message: "only with strategy canary" },
          ]);
        }
        const change = await fromDatabase(registry.deploy(version, { ...body, actor: actorOf(res) }));
        audit.record(req, res, {
          action: "model.deploy",
          outcome: "success",
          details: { version, ...body, changed: change.changed },
        });
        res.json(change);
      },
    },
    {
      operationId: "setModelTraffic",
      auditAction: "model.traffic",
      method: "put",
      path: "/api/v1/models/{version}/traffic",
      access: "models:manage",
      summary: "Set the canary's share (0 ends the canary)",
      tag: "models",
      request: ModelTrafficRequestSchema,
      response: RegistryChangeSchema,
      errors: [400, 404, 409, 503],
      handler: async (req, res) => {
        const version = versionParam(String(req.params.version ?? ""));
        const body = parseOrThrow(ModelTrafficRequestSchema, requireJsonBody(req.body), "traffic request");
        const change = await fromDatabase(registry.setTraffic(version, body.percent, actorOf(res)));
        audit.record(req, res, {
          action: "model.traffic",
          outcome: "success",
          details: { version, percent: body.percent, changed: change.changed },
        });
        res.json(change);
      },
    },
  ];
}
