import type { Permission } from "./permissions.ts";

/**
 * Who may call an endpoint: "public" needs no credential, "authenticated" any valid principal, otherwise
 * the principal's role must hold the permission. Declared on each endpoint (http/endpoint.ts) and checked
 * by the middleware mounted on that endpoint's own route, so the decision is made for the route that
 * actually matched, never by a second pattern list.
 */
export type Access = "public" | "authenticated" | Permission;
