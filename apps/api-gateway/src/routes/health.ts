import type { Cache } from "@chainwatch/cache";
import type { Registry } from "@chainwatch/metrics";
import { Router } from "express";
import { checkDependencies, type DependencyCheck } from "../http/dependencies.ts";
import { methodNotAllowed } from "./method-not-allowed.ts";

export interface HealthRoutesOptions {
  dependencies: readonly DependencyCheck[];
  cache: Cache;
  registry: Registry;
  modelVersion: () => string;
  isShuttingDown: () => boolean;
  startedAt: Date;
}

export function healthRoutes(options: HealthRoutesOptions): Router {
  const router = Router();
  const get = ["GET", "HEAD"];

  router
    .route("/health/live")
    .get((_req, res) => {
      res.json({ status: "ok" });
    })
    .all(methodNotAllowed(get));

  router
    .route("/health/ready")
    .get(async (_req, res) => {
      const report = await checkDependencies(options.dependencies);
      // While draining, fail readiness so the load balancer stops sending new requests.
      const isReady = report.status !== "unavailable" && !options.isShuttingDown();
      res.status(isReady ? 200 : 503).json({ ...report, status: isReady ? "ready" : "unavailable" });
    })
    .all(methodNotAllowed(get));

  router
    .route("/health")
    .get(async (_req, res) => {
      const report = await checkDependencies(options.dependencies);
      const stats = options.cache.stats();
      res.status(report.status === "unavailable" ? 503 : 200).json({
        status: report.status,
        uptimeSeconds: Math.round((Date.now() - options.startedAt.getTime()) / 1000),
        modelVersion: options.modelVersion(),
        dependencies: report.dependencies,
        cache: {
          backend: stats.backend,
          hitRate: stats.hitRate,
          predictionHitRate: stats.byType.prediction.hitRate,
          hits: stats.hits,
          misses: stats.misses,
          errors: stats.errors,
          droppedWrites: stats.droppedWrites,
        },
      });
    })
    .all(methodNotAllowed(get));

  router
    .route("/metrics")
    .get(async (_req, res) => {
      res.setHeader("Content-Type", options.registry.contentType);
      res.send(await options.registry.metrics());
    })
    .all(methodNotAllowed(get));

  return router;
}
