import type { RecordOrigin, RecordSource } from "@chainwatch/store";
import type { Request, Response } from "express";
import { principalOf } from "../auth/principal.ts";
import { requestIdOf } from "../middleware/request-id.ts";

/**
 * Who sent a request's transactions, captured while the request is at hand: records are written after
 * the response (write-behind), and a content conflict found then is logged and audited with this. Plain
 * values only, so a queued record never keeps the request (and its body) alive.
 */
export function recordOriginOf(req: Request, res: Response, source: RecordSource): RecordOrigin {
  const principal = principalOf(res);
  return {
    source,
    requestId: requestIdOf(res),
    principal: principal ? `${principal.type}:${principal.id}` : null,
    ip: req.ip ?? null,
    userAgent: req.get("user-agent")?.slice(0, 256) ?? null,
  };
}
