import { Router } from "express";
import type { StreamStatusService } from "../streaming/stream-status.ts";
import { methodNotAllowed } from "./method-not-allowed.ts";

/** GET /api/v1/stream/status: the scoring group's members, partitions, lag and throughput (or mode "embedded"). */
export function streamStatusRoutes(options: { status: StreamStatusService }): Router {
  const router = Router();
  router
    .route("/api/v1/stream/status")
    .get(async (_req, res) => {
      res.json(await options.status.status());
    })
    .all(methodNotAllowed(["GET"]));
  return router;
}
