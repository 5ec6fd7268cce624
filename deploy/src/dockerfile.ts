import {
  type Dockerfile,
  DockerfileParser,
  type From,
  type Instruction,
  Keyword,
  PropertyInstruction,
} from "dockerfile-ast";

/**
 * Dockerfiles read with `dockerfile-ast` (the parser of VS Code's Docker language server), and the lint
 * rules that matter for these images: hadolint is not packaged for Debian. Codes follow hadolint's where
 * one exists; CW* are ours.
 */

export type { Dockerfile, Instruction };

export function parseDockerfile(text: string): Dockerfile {
  return DockerfileParser.parse(text);
}

/** An instruction's arguments, flags left out and continuation lines joined. */
export const argsOf = (instruction: Instruction): string => instruction.getArgumentsContent() ?? "";
/** 1-based line an instruction starts on. */
export const lineOf = (instruction: Instruction): number => instruction.getRange().start.line + 1;

/** `--build-arg` values; unset ARGs keep their defaults. */
export type BuildArgs = Readonly<Record<string, string>>;

/** ARGs declared before the first FROM (the ones FROM lines can use): defaults, then build args. */
export function globalArgs(dockerfile: Dockerfile, buildArgs: BuildArgs = {}): Map<string, string> {
  const args = new Map<string, string>();
  for (const property of dockerfile.getInitialARGs().flatMap((arg) => arg.getProperties())) {
    const value = buildArgs[property.getName()] ?? property.getValue();
    if (value !== null) args.set(property.getName(), value);
  }
  return args;
}

export function expandArgs(value: string, args: ReadonlyMap<string, string>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, a, b) => {
    return args.get((a ?? b) as string) ?? whole;
  });
}

export interface Stage {
  from: From;
  /** The FROM image with the global ARGs and build args substituted. */
  image: string;
  alias: string | undefined;
  /** The earlier stage this one is built FROM, if any. */
  parent: Stage | undefined;
  /** This stage's own instructions, after its FROM. */
  instructions: Instruction[];
}

export function stagesOf(dockerfile: Dockerfile, buildArgs: BuildArgs = {}): Stage[] {
  const args = globalArgs(dockerfile, buildArgs);
  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === Keyword.FROM) {
      const from = instruction as From;
      const image = expandArgs(from.getImage() ?? "", args);
      stages.push({
        from,
        image,
        alias: from.getBuildStage() ?? undefined,
        parent: stages.find((stage) => stage.alias !== undefined && stage.alias === image),
        instructions: [],
      });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/** What an image gets from a stage: the instructions of the stages it is built FROM, then its own. */
export function effectiveInstructions(stage: Stage): Instruction[] {
  return [...(stage.parent ? effectiveInstructions(stage.parent) : []), ...stage.instructions];
}

/** The instructions of the image a build produces (its last stage), for these build args. */
export function imageInstructions(dockerfile: Dockerfile, buildArgs: BuildArgs = {}): Instruction[] {
  const final = stagesOf(dockerfile, buildArgs).at(-1);
  return final ? effectiveInstructions(final) : [];
}

export interface LintIssue {
  code: string;
  line: number;
  message: string;
}

/** The documented placeholder a Dockerfile carries until deploy/docker/pin-base-image.sh has run. */
export const UNPINNED_DIGEST_PLACEHOLDER = "sha256:UNPINNED";

const KEYWORDS = new Set<string>(Object.values(Keyword));

type Add = (code: string, message: string) => void;

function isJsonArray(value: string): boolean {
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) && parsed.every((item) => typeof item === "string");
  } catch {
    return false;
  }
}

function lintInstruction(instruction: Instruction, add: Add): void {
  const keyword = instruction.getKeyword();
  const args = argsOf(instruction);
  if (!KEYWORDS.has(keyword)) add("CW000", `unknown instruction ${keyword}`);
  if (keyword === Keyword.ADD) add("DL3020", "use COPY instead of ADD for files");
  if (keyword === Keyword.WORKDIR && !args.startsWith("/")) add("DL3000", "use an absolute WORKDIR");
  if ((keyword === Keyword.CMD || keyword === Keyword.ENTRYPOINT) && !isJsonArray(args)) {
    add("DL3025", `${keyword} must use the JSON (exec) form`);
  }
  if (keyword !== Keyword.RUN) return;
  if (/\bapt-get install\b/.test(args)) {
    if (!/--no-install-recommends/.test(args))
      add("DL3015", "apt-get install without --no-install-recommends");
    if (!/rm -rf \/var\/lib\/apt\/lists/.test(args)) add("DL3009", "apt lists not removed in the same RUN");
    if (!/-y\b|--yes\b/.test(args)) add("DL3014", "apt-get install without -y");
  }
  if (/\b(curl|wget)\b[^|]*\|\s*(ba)?sh\b/.test(args)) add("CW005", "piping a download into a shell");
  if (/\bsudo\b/.test(args)) add("DL3004", "do not use sudo");
}

function lintBaseImage(stage: Stage, add: Add): void {
  const shown = stage.from.getImage() ?? "";
  if (/\$/.test(stage.image)) {
    add("CW006", `FROM ${shown} depends on a build arg without a value: pass it with --build-arg`);
    return;
  }
  // The substituted reference, read by the same parser as any FROM line.
  const from = parseDockerfile(`FROM ${stage.image}`).getFROMs()[0];
  const tag = from?.getImageTag() ?? undefined;
  const digest = from?.getImageDigest() ?? undefined;
  if (tag === undefined) add("DL3006", `base image ${shown} has no tag`);
  if (tag === "latest") add("DL3007", `base image ${shown} uses the latest tag`);
  if (digest === undefined) {
    add("CW001", `base image ${shown} is not pinned by digest`);
  } else if (!/^sha256:[0-9a-f]{64}$/.test(digest) && digest !== UNPINNED_DIGEST_PLACEHOLDER) {
    add("CW001", `base image digest "${digest}" is neither sha256:<64 hex> nor the placeholder`);
  }
}

/** A global ARG is in scope for FROM lines only: a stage that uses it must declare it again. */
function lintArgScope(dockerfile: Dockerfile, adder: (line: number) => Add): void {
  const globalNames = new Set(
    dockerfile.getInitialARGs().flatMap((arg) => arg.getProperties().map((property) => property.getName())),
  );
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === Keyword.FROM) continue;
    for (const name of new Set(instruction.getVariables().map((variable) => variable.getName()))) {
      // dockerfile-ast resolves with Docker's scoping: undefined = not declared in this stage.
      const line = instruction.getRange().start.line;
      if (globalNames.has(name) && dockerfile.resolveVariable(name, line) === undefined) {
        adder(line + 1)(
          "CW007",
          `global ARG ${name} used in a stage that does not declare it (expands to "")`,
        );
      }
    }
  }
}

/** What the image must have: a non-root USER, a HEALTHCHECK, an init process, a CMD. */
function lintImage(final: Stage, adder: (line: number) => Add): void {
  const atFinal = adder(lineOf(final.from));
  const image = effectiveInstructions(final);
  const last = (keyword: Keyword) => image.filter((i) => i.getKeyword() === keyword).at(-1);
  const user = last(Keyword.USER);
  const userName = user && argsOf(user).split(":")[0];
  if (!user) atFinal("DL3002", "the final stage never sets a non-root USER");
  else if (userName === "root" || userName === "0") adder(lineOf(user))("DL3002", "the final USER is root");
  const healthcheck = last(Keyword.HEALTHCHECK);
  if (!healthcheck || /^NONE\b/i.test(argsOf(healthcheck)))
    atFinal("CW002", "the final stage has no HEALTHCHECK");
  const entrypoint = last(Keyword.ENTRYPOINT);
  if (!entrypoint || !/\b(tini|dumb-init)\b/.test(argsOf(entrypoint))) {
    adder(entrypoint ? lineOf(entrypoint) : lineOf(final.from))(
      "CW003",
      "no init process (tini or dumb-init) as ENTRYPOINT",
    );
  }
  if (!last(Keyword.CMD)) atFinal("CW004", "the final stage has no CMD");
}

/** Lints the image a build with these build args produces (a FROM may pick a stage by build arg). */
export function lintDockerfile(text: string, buildArgs: BuildArgs = {}): LintIssue[] {
  const issues: LintIssue[] = [];
  const dockerfile = parseDockerfile(text);
  const stages = stagesOf(dockerfile, buildArgs);
  const adder =
    (line: number): Add =>
    (code, message) =>
      issues.push({ code, line, message });

  for (const instruction of dockerfile.getInstructions())
    lintInstruction(instruction, adder(lineOf(instruction)));
  lintArgScope(dockerfile, adder);
  for (const stage of stages) {
    if (stage.parent === undefined && stage.image !== "scratch")
      lintBaseImage(stage, adder(lineOf(stage.from)));
  }
  const final = stages.at(-1);
  if (final) lintImage(final, adder);
  else issues.push({ code: "CW000", line: 1, message: "no FROM" });
  return issues;
}

/** `NAME=value` pairs of an ARG, ENV or LABEL instruction (value null for `ARG NAME`); none for others. */
export function propertiesOf(instruction: Instruction): Map<string, string | null> {
  if (!(instruction instanceof PropertyInstruction)) return new Map();
  return new Map(instruction.getProperties().map((property) => [property.getName(), property.getValue()]));
}
