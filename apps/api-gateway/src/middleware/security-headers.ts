import type { Request, RequestHandler, Response } from "express";
import helmet from "helmet";

/**
 * The headers helmet's defaults set (CSP, HSTS, COOP, CORP, nosniff, frame options, ...), captured once at
 * start by running helmet against a recording response. helmet's values stay the source of truth (an
 * upgrade that changes a default changes ours), but a request no longer walks helmet's chain of 13
 * middleware functions: the profile of a cached predict showed that chain, not the headers, as the cost.
 */
export function helmetDefaultHeaders(): readonly (readonly [string, string])[] {
  const headers: [string, string][] = [];
  const recorder = {
    setHeader(name: string, value: unknown) {
      headers.push([name, String(value)]);
    },
    // X-Powered-By: the app never sets it (`app.disable("x-powered-by")`), so there is nothing to remove.
    removeHeader() {},
  };
  let isComplete = false;
  helmet()({} as Request, recorder as unknown as Response, (error?: unknown) => {
    if (error) throw error;
    isComplete = true;
  });
  // helmet's defaults are synchronous; if a future version is not, fail at start rather than send less.
  if (!isComplete || headers.length === 0) throw new Error("helmet did not yield its headers synchronously");
  return headers;
}

/** Sets helmet's default security headers on every response, from the set computed once. */
export function securityHeaders(): RequestHandler {
  const headers = helmetDefaultHeaders();
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}
