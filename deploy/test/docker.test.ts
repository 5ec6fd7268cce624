import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Copy, type Instruction } from "dockerfile-ast";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { APP_NAMES, APPS } from "../src/apps.ts";
import {
  argsOf,
  expandArgs,
  globalArgs,
  imageInstructions,
  lintDockerfile,
  parseDockerfile,
  propertiesOf,
  stagesOf,
  UNPINNED_DIGEST_PLACEHOLDER,
} from "../src/dockerfile.ts";
import { contextFiles, DOCKERFILE, DOCKERIGNORE, isTestCode } from "../src/image-context.ts";
import { repoRoot } from "../src/paths.ts";

const read = (path: string) => readFileSync(join(repoRoot, path), "utf8");
const rootPackage = JSON.parse(read("package.json")) as { packageManager: string };
const catalog = (parse(read("pnpm-workspace.yaml")) as { catalog: Record<string, string> }).catalog;

const text = read(DOCKERFILE);
const dockerfile = parseDockerfile(text);
const stages = stagesOf(dockerfile);
const stage = (alias: string) => stages.find((s) => s.alias === alias);
const runsOf = (alias: string) =>
  (stage(alias)?.instructions ?? []).filter((i) => i.getKeyword() === "RUN").map(argsOf);

describe("deploy/docker/Dockerfile", () => {
  it("pins the Node version of .nvmrc, the pnpm of packageManager and the turbo of the catalog", () => {
    const args = new Map(dockerfile.getARGs().flatMap((arg) => [...propertiesOf(arg)]));
    expect(args.get("NODE_VERSION")).toBe(read(".nvmrc").trim());
    expect(`pnpm@${args.get("PNPM_VERSION")}`).toBe(rootPackage.packageManager);
    expect(args.get("TURBO_VERSION")).toBe(catalog.turbo);
    const digest = args.get("NODE_BASE_DIGEST");
    // Documented placeholder until deploy/docker/pin-base-image.sh runs (docs/operations.md, "Images").
    expect(digest === UNPINNED_DIGEST_PLACEHOLDER || /^sha256:[0-9a-f]{64}$/.test(digest ?? "")).toBe(true);
    const nodeStages = stages.filter((s) => s.image.startsWith("node:"));
    expect(nodeStages.map((s) => s.alias)).toEqual(["base", "runtime"]);
    for (const s of nodeStages) {
      expect(s.from.getImage()).toBe(
        ["node:$", "{NODE_VERSION}-bookworm-slim@$", "{NODE_BASE_DIGEST}"].join(""),
      );
    }
  });

  it("has one final stage per app, picked by the build arg APP, which has no default", () => {
    expect(globalArgs(dockerfile).has("APP")).toBe(false);
    expect(stages.at(-1)?.from.getImage()).toBe(["$", "{APP}"].join(""));
    const appStages = stages.filter((s) => s.parent?.alias === "runtime").map((s) => s.alias);
    expect(appStages).toEqual(APP_NAMES);
  });

  it("prunes and installs the app APP names only, without the test helpers", () => {
    expect(runsOf("pruner")).toEqual([
      `turbo prune "@chainwatch/$${"{APP}"}" --docker --out-dir /pruned && cp .pnpmfile.cjs /pruned/json/`,
    ]);
    const [install, ...rest] = runsOf("installer");
    expect(install).toMatch(/pnpm install --prod --frozen-lockfile /);
    expect(install).toContain(`--filter "@chainwatch/$${"{APP}"}..." --filter "!@chainwatch/testing"`);
    expect(rest).toEqual(["rm -rf packages/testing"]);
  });
});

/** A COPY as `<stage it copies from> <sources and destination>` (the stage "context" without --from). */
const copyOf = (instruction: Instruction) =>
  `${instruction instanceof Copy ? (instruction.getFromFlag()?.getValue() ?? "context") : "?"} ${argsOf(instruction)}`;

describe("the console in the gateway's image", () => {
  const consolePackage = JSON.parse(read("apps/console/package.json")) as { scripts: { build: string } };

  it("is built in its own stage from the gateway's pruned tree, with its budget check", () => {
    expect(stage("console-builder")?.parent?.alias).toBe("base");
    const copies = (stage("console-builder")?.instructions ?? [])
      .filter((i) => i.getKeyword() === "COPY")
      .map(copyOf);
    expect(copies).toEqual(["pruner /pruned/json/ ./", "pruner /pruned/full/ ./"]);
    const [install, build, ...rest] = runsOf("console-builder");
    expect(install).toMatch(/pnpm install --frozen-lockfile /);
    // Development dependencies too: Vite builds it.
    expect(install).not.toContain("--prod");
    expect(install).toContain(`--filter "@chainwatch/console..."`);
    expect(build).toBe("pnpm --filter @chainwatch/console build");
    expect(rest).toEqual([]);
    // The package's build is what fails above the initial-JavaScript budget.
    expect(consolePackage.scripts.build).toBe("vite build && node scripts/report-size.ts");
  });

  it("reaches the api-gateway image as static files only, where the gateway looks for them; no other image", () => {
    const copiesFrom = (app: string) =>
      imageInstructions(dockerfile, { APP: app })
        .filter((i) => i.getKeyword() === "COPY")
        .map(copyOf)
        .filter((copy) => copy.startsWith("console-builder "));
    expect(copiesFrom("api-gateway")).toEqual([
      "console-builder /build/apps/console/dist/ /app/apps/console/dist/",
    ]);
    for (const app of APP_NAMES.filter((name) => name !== "api-gateway")) expect(copiesFrom(app)).toEqual([]);
  });

  it("has what the console's build reads in the build context", () => {
    const sent = new Set(contextFiles());
    const needed = contextFiles(repoRoot, "**/node_modules\n**/.turbo\n.git\n**/dist\n").filter(
      (path) =>
        /^apps\/console\/(package\.json|index\.html|vite\.config\.ts|scripts\/[^/]+\.ts|src\/.+\.(ts|tsx|css))$/.test(
          path,
        ) && !isTestCode(path),
    );
    expect(needed).toContain("apps/console/src/main.tsx");
    expect(needed).toContain("apps/console/index.html");
    expect(needed.filter((path) => !sent.has(path))).toEqual([]);
  });
});

describe.each(APP_NAMES)("the %s image", (name) => {
  const app = APPS[name];
  const buildArgs = { APP: name };
  const image = imageInstructions(dockerfile, buildArgs);
  const all = (keyword: string) => image.filter((i) => i.getKeyword() === keyword);
  const last = (keyword: string) => all(keyword).at(-1);

  it("passes the lint (pinned base, no latest, non-root USER, HEALTHCHECK, init, exec form, apt hygiene, ARG scope)", () => {
    expect(lintDockerfile(text, buildArgs)).toEqual([]);
  });

  it("runs main.ts from the app folder, as the app's start script does", () => {
    const start = (JSON.parse(read(`apps/${name}/package.json`)) as { scripts: { start: string } }).scripts
      .start;
    expect(start).toBe("node src/main.ts");
    const workdir = last("WORKDIR");
    expect(workdir && expandArgs(argsOf(workdir), new Map(Object.entries(buildArgs)))).toBe(
      `/app/apps/${name}`,
    );
    const cmd = last("CMD");
    const entrypoint = last("ENTRYPOINT");
    expect(cmd && JSON.parse(argsOf(cmd))).toEqual(start.split(" "));
    expect(entrypoint && JSON.parse(argsOf(entrypoint))).toEqual(["/usr/bin/tini", "--"]);
  });

  it("exposes the app's port and probes its real readiness route on it", () => {
    expect(all("EXPOSE").map(argsOf)).toEqual([String(app.defaultPort)]);
    const healthchecks = all("HEALTHCHECK").map(argsOf);
    expect(healthchecks).toHaveLength(1);
    expect(healthchecks[0]).toContain(`process.env.${app.portVar}||${app.defaultPort}`);
    expect(healthchecks[0]).toContain("/health/ready");
  });

  it("sets no environment variable the app does not read", () => {
    const keys = all("ENV").flatMap((env) => [...propertiesOf(env).keys()]);
    for (const key of keys) expect(app.envKeys.has(key), `ENV ${key}`).toBe(true);
  });
});

describe("the build context (deploy/docker/Dockerfile.dockerignore)", () => {
  const files = contextFiles();
  /** Every file of the working tree, dependencies and caches aside: what "all files" means below. */
  const everything = contextFiles(repoRoot, "**/node_modules\n**/.turbo\n.git\n");
  const sent = new Set(files);

  it("is a BuildKit ignore file beside the Dockerfile that starts from nothing", () => {
    expect(DOCKERIGNORE).toBe(`${DOCKERFILE}.dockerignore`);
    const rules = read(DOCKERIGNORE)
      .split("\n")
      .filter((line) => !line.startsWith("#") && line.trim() !== "");
    expect(rules[0]).toBe("*");
  });

  it("holds what turbo prune reads and every production file of apps/ and packages/", () => {
    for (const needed of ["package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml", "turbo.json"]) {
      expect(sent.has(needed), needed).toBe(true);
    }
    // Production: what the apps run (sources, manifests, the bundled model), test code aside.
    const production = everything.filter(
      (path) =>
        /^(apps|packages)\/[^/]+\/(package\.json|src\/.+\.ts|models\/.+)$/.test(path) && !isTestCode(path),
    );
    expect(production).toContain("apps/api-gateway/src/main.ts");
    expect(production).toContain("packages/model/models/default.model.json");
    expect(production.filter((path) => !sent.has(path))).toEqual([]);
  });

  it("holds no test code: *.test.ts, *.int.test.ts, src/testing/, src/testing.ts, test/, and no test config", () => {
    const testCode = everything.filter(isTestCode);
    // The repository has each kind, so this check can fail.
    expect(testCode.some((path) => path.endsWith(".int.test.ts"))).toBe(true);
    expect(testCode.some((path) => /^(apps|packages)\/.+\/src\/testing\//.test(path))).toBe(true);
    expect(testCode.some((path) => path.startsWith("deploy/test/"))).toBe(true);
    expect(testCode.filter((path) => sent.has(path))).toEqual([]);
    expect(files.filter((path) => /(^|\/)(vitest\.config\.ts|tsconfig\.json)$/.test(path))).toEqual([]);
  });

  it("holds nothing outside the root manifests, apps/, packages/ and patches/, and no local state", () => {
    const outside = files.filter((path) => path.includes("/") && !/^(apps|packages|patches)\//.test(path));
    expect(outside).toEqual([]);
    const local = files.filter((path) =>
      /(^|\/)(node_modules|\.turbo|coverage|dist|\.data)\/|(^|\/)\.env(\.(?!example$)[^/]*)?$|\.log$/.test(
        path,
      ),
    );
    expect(local).toEqual([]);
  });

  it("would let test code in without its rules (the check can fail)", () => {
    const withoutTestRules = read(DOCKERIGNORE)
      .split("\n")
      .filter((line) => !/test|testing/.test(line))
      .join("\n");
    expect(contextFiles(repoRoot, withoutTestRules).filter(isTestCode).length).toBeGreaterThan(0);
  });
});
