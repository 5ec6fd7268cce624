import type { RegistryModelProvider } from "@chainwatch/scoring";
import type { ModelRegistry } from "@chainwatch/store";
import { Router } from "express";
import type { AuditLog } from "../auth/audit-log.ts";
import { actorOf } from "../auth/principal.ts";
import { notFound, validationError } from "../http/errors.ts";
import {
  CompareModelsRequestSchema,
  DeployModelRequestSchema,
  DriftHistoryQuerySchema,
  DriftRequestSchema,
  ModelTrafficRequestSchema,
  ModelVersionParamSchema,
  RollbackModelRequestSchema,
  TrainModelRequestSchema,
} from "../http/model-schemas.ts";
import { parseOrThrow, requireJsonBody } from "../http/validate.ts";
import type { ModelOperations } from "../models/model-operations.ts";
import { fromDatabase } from "../persistence/from-database.ts";
import { methodNotAllowed } from "./method-not-allowed.ts";

export interface ModelRouteOptions {
  registry: ModelRegistry;
  models: RegistryModelProvider;
  operations: ModelOperations;
  audit: AuditLog;
}

const versionParam = (value: string | undefined) =>
  parseOrThrow(ModelVersionParamSchema, value ?? "", "model version");

/**
 * The model lifecycle over HTTP. Reads: viewer; compare and drift: analyst; train, deploy, traffic,
 * rollback: admin (auth/route-permissions.ts). Every change is audited; the registry is the source of
 * truth and every replica serves the change within MODEL_REFRESH_INTERVAL_SECONDS plus one model load.
 */
export function modelRoutes(options: ModelRouteOptions): Router {
  const { registry, models, operations, audit } = options;
  const router = Router();

  router
    .route("/api/v1/models")
    .get(async (_req, res) => {
      const [versions, set] = await fromDatabase(Promise.all([registry.list(), registry.activeSet()]));
      res.json({ versions, activeSet: set, serving: { revision: models.revision() } });
    })
    .all(methodNotAllowed(["GET"]));

  router
    .route("/api/v1/models/train")
    .post((req, res) => {
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
    })
    .all(methodNotAllowed(["POST"]));

  router
    .route("/api/v1/models/jobs/:id")
    .get((req, res) => {
      const job = operations.getJob(req.params.id ?? "");
      if (!job) throw notFound("no such training job on this instance");
      res.json(job);
    })
    .all(methodNotAllowed(["GET"]));

  router
    .route("/api/v1/models/rollback")
    .post(async (req, res) => {
      const body = parseOrThrow(RollbackModelRequestSchema, req.body ?? {}, "rollback request");
      const change = await fromDatabase(registry.rollback(actorOf(res), body));
      audit.record(req, res, {
        action: "model.rollback",
        outcome: "success",
        details: { changed: change.changed, active: change.set.active?.version ?? null, ...body },
      });
      res.json(change);
    })
    .all(methodNotAllowed(["POST"]));

  router
    .route("/api/v1/models/compare")
    .post(async (req, res) => {
      const body = parseOrThrow(CompareModelsRequestSchema, requireJsonBody(req.body), "compare request");
      const since = new Date(body.since);
      const until = new Date(body.until);
      if (!(since < until))
        throw validationError("since must be before until", [{ path: "until", message: "not after since" }]);
      res.json(
        await fromDatabase(registry.compareVersions(body.versions[0], body.versions[1], { since, until })),
      );
    })
    .all(methodNotAllowed(["POST"]));

  router
    .route("/api/v1/models/drift")
    .post(async (req, res) => {
      const body = parseOrThrow(DriftRequestSchema, req.body ?? {}, "drift request");
      const report = await operations.checkDrift({
        ...(body.since ? { since: new Date(body.since) } : {}),
        maxRows: body.maxRows,
        trigger: "api",
        requestedBy: actorOf(res),
      });
      res.json(report);
    })
    .get(async (req, res) => {
      const query = parseOrThrow(DriftHistoryQuerySchema, req.query, "drift history query");
      res.json({ reports: await fromDatabase(operations.driftHistory(query)) });
    })
    .all(methodNotAllowed(["GET", "POST"]));

  router
    .route("/api/v1/models/:version")
    .get(async (req, res) => {
      const version = versionParam(req.params.version);
      const record = await fromDatabase(registry.get(version));
      if (!record) throw notFound(`model ${version} is not registered`);
      const { fileJson, ...metadata } = record;
      const history = await fromDatabase(registry.history({ version, limit: 50 }));
      res.json({ ...metadata, hasFile: fileJson !== null, history });
    })
    .all(methodNotAllowed(["GET"]));

  router
    .route("/api/v1/models/:version/deploy")
    .post(async (req, res) => {
      const version = versionParam(req.params.version);
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
    })
    .all(methodNotAllowed(["POST"]));

  router
    .route("/api/v1/models/:version/traffic")
    .put(async (req, res) => {
      const version = versionParam(req.params.version);
      const body = parseOrThrow(ModelTrafficRequestSchema, requireJsonBody(req.body), "traffic request");
      const change = await fromDatabase(registry.setTraffic(version, body.percent, actorOf(res)));
      audit.record(req, res, {
        action: "model.traffic",
        outcome: "success",
        details: { version, percent: body.percent, changed: change.changed },
      });
      res.json(change);
    })
    .all(methodNotAllowed(["PUT"]));

  return router;
}
