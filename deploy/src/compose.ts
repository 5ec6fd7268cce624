import { parseYaml } from "./yaml-files.ts";

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; args?: string[] | Record<string, string> };
  environment?: Record<string, string | number | boolean | null> | string[];
  healthcheck?: { test: string[] | string };
  ports?: string[];
  volumes?: string[];
  deploy?: { replicas?: number };
  profiles?: string[];
  stop_grace_period?: string;
  depends_on?: Record<string, { condition: string }> | string[];
  command?: string[] | string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export const COMPOSE_FILE = "compose.yaml";

export function loadCompose(): ComposeFile {
  return parseYaml<ComposeFile>(COMPOSE_FILE);
}

/**
 * Compose variable interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`,
 * `${VAR?error}` and `$$`. A required variable missing from `variables` throws with its message, as
 * `docker compose` does.
 */
export function interpolate(value: string, variables: Record<string, string | undefined>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])((?:[^}$]|\$\([^)]*\))*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (
      whole,
      name: string | undefined,
      colon: string | undefined,
      kind: string | undefined,
      rest: string | undefined,
      bare: string | undefined,
    ) => {
      if (whole === "$$") return "$";
      const variable = (name ?? bare) as string;
      const current = variables[variable];
      const isMissing = current === undefined || (colon === ":" && current === "");
      if (kind === "-") return isMissing ? (rest ?? "") : (current as string);
      if (kind === "?") {
        if (isMissing) throw new Error(`required variable ${variable} is missing: ${rest ?? ""}`);
        return current as string;
      }
      return current ?? "";
    },
  );
}

/** A service's environment as strings, interpolated. */
export function serviceEnv(
  service: ComposeService,
  variables: Record<string, string | undefined>,
): Record<string, string> {
  const raw = service.environment ?? {};
  const entries: [string, string][] = Array.isArray(raw)
    ? raw.map((item) => {
        const index = item.indexOf("=");
        return index < 0 ? [item, ""] : [item.slice(0, index), item.slice(index + 1)];
      })
    : Object.entries(raw).map(([key, value]) => [key, value === null ? "" : String(value)]);
  return Object.fromEntries(entries.map(([key, value]) => [key, interpolate(value, variables)]));
}

/** A service's build args; an entry without a value (`- NAME`) is passed through from the environment. */
export function buildArgs(service: ComposeService): Record<string, string | undefined> {
  const raw = service.build?.args ?? {};
  if (!Array.isArray(raw)) return { ...raw };
  return Object.fromEntries(
    raw.map((item) => {
      const index = item.indexOf("=");
      return index < 0 ? [item, undefined] : [item.slice(0, index), item.slice(index + 1)];
    }),
  );
}
