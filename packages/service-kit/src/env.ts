import { z } from "zod";
import { ConfigError } from "./errors.ts";

/** Source of configuration: process.env in main.ts, a plain object in tests. */
export type EnvSource = Record<string, string | undefined>;

/**
 * Parses an env source with a zod schema once at start-up. Empty strings count as unset so that
 * `FOO=` in a .env file falls back to the default instead of failing a number coercion.
 */
export function parseEnv<TSchema extends z.ZodType>(schema: TSchema, source: EnvSource): z.infer<TSchema> {
  const cleaned = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value !== ""),
  );
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
    throw new ConfigError(`invalid configuration:\n  ${problems.join("\n  ")}`, problems);
  }
  return result.data;
}

/** "true"/"1"/"yes"/"on" → true, "false"/"0"/"no"/"off" → false; anything else is a config error. */
export const envBoolean = z
  .union([z.boolean(), z.enum(["true", "false", "1", "0", "yes", "no", "on", "off"])])
  .transform(
    (value) => value === true || value === "true" || value === "1" || value === "yes" || value === "on",
  );

export const logLevel = z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

/** Exit code for a configuration error (sysexits EX_CONFIG), so orchestrators can tell it from a crash. */
export const EXIT_CONFIG_ERROR = 78;

/**
 * For main.ts: loads the configuration, or prints what is wrong with it (no stack trace) and exits.
 */
export function loadEnvOrExit<T>(appName: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${appName}: ${error.message}\n`);
    process.exit(EXIT_CONFIG_ERROR);
  }
}
