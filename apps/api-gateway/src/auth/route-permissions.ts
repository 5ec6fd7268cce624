import type { Permission } from "./permissions.ts";

/** "public": no credential needed; "authenticated": any valid principal; otherwise a permission. */
export type Access = "public" | "authenticated" | Permission;

interface Rule {
  methods: readonly string[] | "*";
  pattern: RegExp;
  access: Access;
}

const ANY = "*" as const;

/**
 * Every route's access rule, in one table so a reviewer can read the whole policy at once. Paths that
 * match nothing need authentication (and then 404), so unknown routes reveal nothing to anonymous callers.
 */
const RULES: readonly Rule[] = [
  { methods: ANY, pattern: /^\/health(\/live|\/ready)?$/, access: "public" },
  { methods: ANY, pattern: /^\/metrics$/, access: "public" },
  { methods: ANY, pattern: /^\/(docs|openapi\.json)$/, access: "public" },
  { methods: ["POST"], pattern: /^\/api\/v1\/auth\/(login|refresh|register)$/, access: "public" },
  { methods: ANY, pattern: /^\/api\/v1\/auth\/(me|logout|change-password)$/, access: "authenticated" },
  { methods: ANY, pattern: /^\/api\/v1\/auth\/keys(\/[^/]+)?$/, access: "keys:manage" },
  { methods: ANY, pattern: /^\/api\/v1\/users(\/[^/]+)?$/, access: "users:manage" },
  { methods: ANY, pattern: /^\/api\/v1\/audit-logs(\/stats)?$/, access: "audit:read" },
  { methods: ANY, pattern: /^\/api\/v1\/(batch\/)?predict$/, access: "score" },
  { methods: ["POST"], pattern: /^\/api\/v1\/(batch\/)?transactions$/, access: "ingest" },
  { methods: ANY, pattern: /^\/api\/v1\/transactions\/[^/]+$/, access: "transactions:read" },
  { methods: ANY, pattern: /^\/api\/v1\/batch\/transactions\/lookup$/, access: "transactions:read" },
  { methods: ANY, pattern: /^\/api\/v1\/anomalies\/[^/]+\/review$/, access: "anomalies:review" },
  {
    methods: ANY,
    pattern: /^\/api\/v1\/(anomalies(\/stats)?|batch\/anomalies\/recent)$/,
    access: "anomalies:read",
  },
  { methods: ANY, pattern: /^\/api\/v1\/batch\/cache\/warm(\/[^/]+)?$/, access: "cache:manage" },
  { methods: ANY, pattern: /^\/api\/v1\/stream\/status$/, access: "stream:read" },
  { methods: ["GET", "HEAD"], pattern: /^\/api\/v1\/models(\/.*)?$/, access: "models:read" },
  { methods: ANY, pattern: /^\/api\/v1\/models\/(compare|drift)$/, access: "models:analyze" },
  { methods: ANY, pattern: /^\/api\/v1\/models(\/.*)?$/, access: "models:manage" },
];

export function accessFor(method: string, path: string): Access {
  for (const rule of RULES) {
    if ((rule.methods === ANY || rule.methods.includes(method)) && rule.pattern.test(path))
      return rule.access;
  }
  return "authenticated";
}
