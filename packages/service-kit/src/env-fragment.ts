import { z } from "zod";
import { type EnvSource, parseEnv } from "./env.ts";
import { resolveEnvAliases } from "./env-aliases.ts";

/**
 * A group of settings owned by one package or app (`REDIS_*` by the cache package, `DATABASE_*` by the
 * store, …). Each field carries its documentation (`.describe()`, or `.meta({ description, example })`),
 * so an app's schema, its parsing and its `.env.example` all come from the same fragments.
 */
export interface EnvFragment<Shape extends z.ZodRawShape = z.ZodRawShape> {
  readonly title: string;
  readonly shape: Shape;
}

export function envFragment<Shape extends z.ZodRawShape>(title: string, shape: Shape): EnvFragment<Shape> {
  return { title, shape };
}

type UnionToIntersection<U> = (U extends unknown ? (value: U) => void : never) extends (
  value: infer I,
) => void
  ? I
  : never;

/** The fragments' shapes as one flat shape, so the composed schema keeps every key's own type. */
type MergedShape<Fragments extends readonly EnvFragment[]> = {
  [Key in keyof UnionToIntersection<Fragments[number]["shape"]> & string]: Extract<
    UnionToIntersection<Fragments[number]["shape"]>[Key],
    z.ZodType
  >;
};

/** One object schema from the fragments, in order; a key defined twice is a programming error. */
export function composeEnvSchema<const Fragments extends readonly EnvFragment[]>(
  fragments: Fragments,
): z.ZodObject<MergedShape<Fragments>> {
  const shape: Record<string, z.ZodType> = {};
  for (const fragment of fragments) {
    for (const [key, field] of Object.entries(fragment.shape)) {
      if (key in shape) throw new Error(`env key ${key} is defined by two fragments`);
      shape[key] = field as z.ZodType;
    }
  }
  return z.object(shape) as unknown as z.ZodObject<MergedShape<Fragments>>;
}

const WIDTH = 110;

function wrapComment(text: string): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "#";
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line.length + 1 + word.length > WIDTH && line !== "#") {
        lines.push(line);
        line = "#";
      }
      line += ` ${word}`;
    }
    lines.push(line);
  }
  return lines;
}

function defaultText(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return String(value);
  return JSON.stringify(value);
}

/**
 * The `.env.example` of an app, rendered from its fragments: each setting with its description and its
 * default (`KEY=default`), or commented out with an example when it has no default (`# KEY=example`).
 * `meta({ commentedOut: true })` shows a default commented out: a setting deployments do not set.
 * A test in each app compares the committed file with this, so the file cannot go stale.
 */
export function renderEnvExample(options: {
  app: string;
  regenerate: string;
  fragments: readonly EnvFragment[];
}): string {
  const out: string[] = [
    `# Chainwatch ${options.app}: every setting, with its default. Generated from the env schema: do not edit,`,
    `# run \`${options.regenerate}\`.`,
  ];
  for (const fragment of options.fragments) {
    out.push("", ...wrapComment(`--- ${fragment.title}`));
    for (const [key, field] of Object.entries(fragment.shape)) {
      const schema = field as z.ZodType;
      const meta = (schema.meta() ?? {}) as {
        description?: string;
        example?: string;
        commentedOut?: boolean;
      };
      const description = meta.description ?? schema.description;
      if (description) out.push(...wrapComment(description));
      const parsed = schema.safeParse(undefined);
      const value = parsed.success ? parsed.data : undefined;
      if (value === undefined) out.push(`# ${key}=${meta.example ?? ""}`);
      else out.push(`${meta.commentedOut ? "# " : ""}${key}=${defaultText(value)}`);
    }
  }
  return `${out.join("\n")}\n`;
}

/**
 * An app's settings from its fragments: the schema, its `.env.example`, and a parse that first reads known
 * aliases (resolveEnvAliases) and returns what it noted for main.ts to log.
 */
export function defineAppEnv<const Fragments extends readonly EnvFragment[]>(options: {
  /** As shown in .env.example: "API gateway". */
  app: string;
  /** The workspace package, for the regenerate command. */
  packageName: string;
  fragments: Fragments;
}) {
  const schema = composeEnvSchema(options.fragments);
  const keys = new Set(Object.keys(schema.shape));
  return {
    schema,
    renderExample: () =>
      renderEnvExample({
        app: options.app,
        regenerate: `pnpm --filter ${options.packageName} env:example`,
        fragments: options.fragments,
      }),
    /** `check` adds cross-field rules (zod refinements) to the composed schema. */
    parse<Checked extends z.ZodType<z.output<typeof schema>>>(
      rawSource: EnvSource,
      check?: (schema: z.ZodObject<MergedShape<Fragments>>) => Checked,
    ): { env: z.output<typeof schema>; configNotes: string[] } {
      const { source, notes } = resolveEnvAliases(rawSource, keys);
      const env = parseEnv(check ? check(schema) : schema, source) as z.output<typeof schema>;
      return { env, configNotes: notes };
    },
  };
}
