import type { HttpMetrics } from "@chainwatch/metrics";
import type { Logger } from "@chainwatch/service-kit";
import type { Request, RequestHandler, Response } from "express";
import { requestIdOf } from "./request-id.ts";

export interface RequestMetricsOptions {
  metrics: HttpMetrics;
  logger: Logger;
  slowRequestThresholdSeconds: number;
}

/** The matched route pattern (e.g. /api/v1/transactions/:hash), never the raw path, to keep labels bounded. */
export function routeLabel(req: Request): string {
  const pattern = req.route?.path;
  return typeof pattern === "string" ? `${req.baseUrl}${pattern}` : "unmatched";
}

/**
 * Registered before compression so that compression's wrapper calls ours with compressed chunks:
 * the response size is what went on the wire.
 */
export function requestMetrics(options: RequestMetricsOptions): RequestHandler {
  const { metrics, logger, slowRequestThresholdSeconds } = options;
  return (req, res, next) => {
    const startedAt = process.hrtime.bigint();
    const method = req.method;
    metrics.requestStarted(method);
    let responseBytes = 0;
    const count = (chunk: unknown, encoding?: unknown) => {
      if (typeof chunk === "string") responseBytes += Buffer.byteLength(chunk, encoding as BufferEncoding);
      else if (chunk instanceof Uint8Array) responseBytes += chunk.byteLength;
    };
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      count(chunk, typeof rest[0] === "string" ? rest[0] : undefined);
      return write(chunk, ...rest);
    }) as Response["write"];
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (typeof chunk !== "function") count(chunk, typeof rest[0] === "string" ? rest[0] : undefined);
      return end(chunk, ...rest);
    }) as Response["end"];

    let isDone = false;
    const finish = () => {
      if (isDone) return;
      isDone = true;
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      const route = routeLabel(req);
      const status = String(res.statusCode);
      metrics.requestFinished(method, route, status);
      metrics.requestDurationSeconds.observe({ method, route, status }, seconds);
      const requestBytes = Number(req.get("content-length") ?? 0);
      if (requestBytes > 0) metrics.requestSizeBytes.observe({ method, route }, requestBytes);
      metrics.responseSizeBytes.observe({ method, route }, responseBytes);
      if (res.statusCode >= 400) {
        const code = typeof res.locals.errorCode === "string" ? res.locals.errorCode : "UNKNOWN";
        metrics.errorsTotal.inc({ method, route, status, code });
      }
      if (seconds > slowRequestThresholdSeconds) {
        metrics.slowRequestsTotal.inc({ method, route });
        logger.warn(
          {
            requestId: requestIdOf(res),
            method,
            route,
            status: res.statusCode,
            durationMs: Math.round(seconds * 1000),
          },
          "slow request",
        );
      }
    };
    res.once("finish", finish);
    res.once("close", finish);
    next();
  };
}
