/**
 * A small Dockerfile reader and linter: hadolint is not packaged for Debian, so the rules that matter for
 * these images are checked here (codes follow hadolint's where one exists, CW* are ours).
 */

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

const KNOWN = new Set([
  "FROM",
  "RUN",
  "CMD",
  "LABEL",
  "EXPOSE",
  "ENV",
  "ADD",
  "COPY",
  "ENTRYPOINT",
  "VOLUME",
  "USER",
  "WORKDIR",
  "ARG",
  "ONBUILD",
  "STOPSIGNAL",
  "HEALTHCHECK",
  "SHELL",
]);

/** Logical instructions: comments dropped, backslash continuations joined. */
export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  const lines = text.split("\n");
  let pending: { text: string; line: number } | undefined;
  lines.forEach((raw, index) => {
    const trimmed = raw.trim();
    if (pending === undefined && (trimmed === "" || trimmed.startsWith("#"))) return;
    if (pending !== undefined && trimmed.startsWith("#")) return;
    const continues = trimmed.endsWith("\\");
    const body = continues ? trimmed.slice(0, -1) : trimmed;
    pending = pending
      ? { text: `${pending.text} ${body}`, line: pending.line }
      : { text: body, line: index + 1 };
    if (!continues) {
      const match = /^(\S+)\s*(.*)$/.exec(pending.text);
      if (match?.[1]) {
        instructions.push({
          keyword: match[1].toUpperCase(),
          args: (match[2] ?? "").trim(),
          line: pending.line,
        });
      }
      pending = undefined;
    }
  });
  return instructions;
}

export interface LintIssue {
  code: string;
  line: number;
  message: string;
}

export interface Stage {
  from: Instruction;
  image: string;
  alias: string | undefined;
  instructions: Instruction[];
}

export function stagesOf(instructions: Instruction[]): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === "FROM") {
      const parts = instruction.args.split(/\s+/).filter((part) => !part.startsWith("--"));
      const asIndex = parts.findIndex((part) => part.toUpperCase() === "AS");
      stages.push({
        from: instruction,
        image: parts[0] ?? "",
        alias: asIndex >= 0 ? parts[asIndex + 1] : undefined,
        instructions: [],
      });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/** `ARG NAME=value` defaults declared before the first FROM (the ones FROM lines can use). */
export function globalArgs(instructions: Instruction[]): Map<string, string> {
  const args = new Map<string, string>();
  for (const instruction of instructions) {
    if (instruction.keyword === "FROM") break;
    if (instruction.keyword !== "ARG") continue;
    const [name, ...value] = instruction.args.split("=");
    if (name) args.set(name.trim(), value.join("=").trim());
  }
  return args;
}

export function expandArgs(value: string, args: ReadonlyMap<string, string>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, a, b) => {
    const name = (a ?? b) as string;
    return args.get(name) ?? whole;
  });
}

/** The documented placeholder a Dockerfile carries until deploy/docker/pin-base-image.sh has run. */
export const UNPINNED_DIGEST_PLACEHOLDER = "sha256:UNPINNED";

function isJsonArray(value: string): boolean {
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) && parsed.every((item) => typeof item === "string");
  } catch {
    return false;
  }
}

export function lintDockerfile(text: string): LintIssue[] {
  const issues: LintIssue[] = [];
  const instructions = parseDockerfile(text);
  const args = globalArgs(instructions);
  const stages = stagesOf(instructions);
  const aliases = new Set(stages.map((stage) => stage.alias).filter((alias) => alias !== undefined));
  const add = (code: string, line: number, message: string) => issues.push({ code, line, message });

  for (const instruction of instructions) {
    if (!KNOWN.has(instruction.keyword)) {
      add("CW000", instruction.line, `unknown instruction ${instruction.keyword}`);
    }
    if (instruction.keyword === "ADD") add("DL3020", instruction.line, "use COPY instead of ADD for files");
    if (instruction.keyword === "WORKDIR" && !instruction.args.startsWith("/")) {
      add("DL3000", instruction.line, "use an absolute WORKDIR");
    }
    if (
      (instruction.keyword === "CMD" || instruction.keyword === "ENTRYPOINT") &&
      !isJsonArray(instruction.args)
    ) {
      add("DL3025", instruction.line, `${instruction.keyword} must use the JSON (exec) form`);
    }
    if (instruction.keyword === "RUN" && /\bapt-get install\b/.test(instruction.args)) {
      if (!/--no-install-recommends/.test(instruction.args)) {
        add("DL3015", instruction.line, "apt-get install without --no-install-recommends");
      }
      if (!/rm -rf \/var\/lib\/apt\/lists/.test(instruction.args)) {
        add("DL3009", instruction.line, "apt lists not removed in the same RUN");
      }
      if (!/-y\b|--yes\b/.test(instruction.args))
        add("DL3014", instruction.line, "apt-get install without -y");
    }
    if (instruction.keyword === "RUN" && /\b(curl|wget)\b[^|]*\|\s*(ba)?sh\b/.test(instruction.args)) {
      add("CW005", instruction.line, "piping a download into a shell");
    }
    if (instruction.keyword === "RUN" && /\bsudo\b/.test(instruction.args)) {
      add("DL3004", instruction.line, "do not use sudo");
    }
  }

  for (const stage of stages) {
    if (aliases.has(stage.image) || stage.image === "scratch") continue;
    const image = expandArgs(stage.image, args);
    const [nameAndTag = "", digest] = image.split("@");
    const tag = nameAndTag.includes(":") ? nameAndTag.slice(nameAndTag.lastIndexOf(":") + 1) : undefined;
    if (tag === undefined) add("DL3006", stage.from.line, `base image ${stage.image} has no tag`);
    if (tag === "latest") add("DL3007", stage.from.line, `base image ${stage.image} uses the latest tag`);
    if (digest === undefined) {
      add("CW001", stage.from.line, `base image ${stage.image} is not pinned by digest`);
    } else if (!/^sha256:[0-9a-f]{64}$/.test(digest) && digest !== UNPINNED_DIGEST_PLACEHOLDER) {
      add(
        "CW001",
        stage.from.line,
        `base image digest "${digest}" is neither sha256:<64 hex> nor the placeholder`,
      );
    }
  }

  const final = stages.at(-1);
  if (!final) {
    add("CW000", 1, "no FROM");
    return issues;
  }
  const users = final.instructions.filter((instruction) => instruction.keyword === "USER");
  const user = users.at(-1)?.args.split(":")[0];
  if (user === undefined) add("DL3002", final.from.line, "the final stage never sets a non-root USER");
  else if (user === "root" || user === "0") add("DL3002", users.at(-1)?.line ?? 0, "the final USER is root");
  const healthchecks = final.instructions.filter((instruction) => instruction.keyword === "HEALTHCHECK");
  if (healthchecks.length === 0 || healthchecks.some((h) => /^NONE\b/i.test(h.args))) {
    add("CW002", final.from.line, "the final stage has no HEALTHCHECK");
  }
  const entrypoint = final.instructions.filter((instruction) => instruction.keyword === "ENTRYPOINT").at(-1);
  if (!entrypoint || !/\b(tini|dumb-init)\b/.test(entrypoint.args)) {
    add("CW003", entrypoint?.line ?? final.from.line, "no init process (tini or dumb-init) as ENTRYPOINT");
  }
  if (!final.instructions.some((instruction) => instruction.keyword === "CMD")) {
    add("CW004", final.from.line, "the final stage has no CMD");
  }
  return issues;
}
