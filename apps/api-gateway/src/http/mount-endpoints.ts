import { type ErrorRequestHandler, type Express, type RequestHandler, Router } from "express";
import type { Access } from "../auth/access.ts";
import { methodNotAllowed } from "../routes/method-not-allowed.ts";
import { type Endpoint, expressPath, type RateTier } from "./endpoint.ts";

/** The middleware an endpoint's route is built from; each is chosen by what the endpoint declares. */
export interface EndpointPipeline {
  compress: RequestHandler;
  /** Undefined when rate limiting is off. */
  rateLimit?: Record<Exclude<RateTier, "none">, RequestHandler>;
  authorize: (access: Access, operationId?: string) => RequestHandler;
  /** Audits a failed attempt at a state-changing endpoint, then passes the error on. */
  auditFailure: (action: string) => ErrorRequestHandler;
  /** Size check, content type, JSON parse and JSON shape limits, per body limit. */
  body: Record<"small" | "large", readonly RequestHandler[]>;
  /** The answer for a path no endpoint declares. */
  unmatched: RequestHandler;
}

const canonicalMethods = (endpoints: readonly Endpoint[]) => {
  const methods = endpoints.map((endpoint) => endpoint.method.toUpperCase());
  return methods.includes("GET") ? [...methods, "HEAD"] : methods;
};

/**
 * Mounts every endpoint on one case-sensitive, strict router: `/API/v1/...`, a trailing slash, a doubled
 * slash or a percent-encoded letter match no route, and everything that matches no route is denied by
 * `pipeline.unmatched`. Authorisation, the rate tier and the body limit are middleware on the matched route
 * itself, taken from its definition.
 */
export function mountEndpoints(
  app: Express,
  endpoints: readonly Endpoint[],
  pipeline: EndpointPipeline,
): void {
  assertUnique(endpoints);
  app.set("case sensitive routing", true);
  app.set("strict routing", true);
  const router = Router({ caseSensitive: true, strict: true });
  const byPath = new Map<string, Endpoint[]>();
  for (const endpoint of endpoints)
    byPath.set(endpoint.path, [...(byPath.get(endpoint.path) ?? []), endpoint]);

  const limiterFor = (tier: RateTier): RequestHandler[] => {
    if (tier === "none" || !pipeline.rateLimit) return [];
    return [pipeline.rateLimit[tier]];
  };

  for (const [template, group] of byPath) {
    const route = router.route(expressPath(template));
    for (const endpoint of group) {
      route[endpoint.method](
        ...(endpoint.compress === false ? [] : [pipeline.compress]),
        ...limiterFor(endpoint.rateTier ?? "default"),
        pipeline.authorize(endpoint.access, endpoint.operationId),
        ...pipeline.body[endpoint.bodyLimit ?? "small"],
        endpoint.handler as RequestHandler,
        ...(endpoint.auditAction ? [pipeline.auditFailure(endpoint.auditAction)] : []),
      );
    }
    // The path exists but not with this method (HEAD and OPTIONS included): a credential is still needed to
    // learn that, so anonymous callers get the same 401 as for any other protected path.
    const isPublicPath = group.every((endpoint) => endpoint.access === "public");
    const rateTier = isPublicPath ? "none" : (group[0]?.rateTier ?? "default");
    route.all(
      ...limiterFor(rateTier),
      pipeline.authorize(isPublicPath ? "public" : "authenticated"),
      methodNotAllowed(canonicalMethods(group)),
    );
  }
  app.use(router);
  app.use(...limiterFor("default"), pipeline.unmatched);
}

function assertUnique(endpoints: readonly Endpoint[]): void {
  const seen = new Set<string>();
  for (const endpoint of endpoints) {
    for (const key of [endpoint.operationId, `${endpoint.method} ${endpoint.path}`]) {
      if (seen.has(key)) throw new Error(`endpoint ${key} is defined twice`);
      seen.add(key);
    }
  }
}
