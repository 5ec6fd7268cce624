import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { spawnService, waitForHttp } from "@chainwatch/testing";
import { Copy } from "dockerfile-ast";
import { afterAll, describe, expect, it } from "vitest";
import type { AppName } from "../src/apps.ts";
import { argsOf, parseDockerfile, stagesOf } from "../src/dockerfile.ts";
import { freePort } from "../src/free-port.ts";
import { contextFiles, DOCKERFILE, isTestCode } from "../src/image-context.ts";
import { repoRoot } from "../src/paths.ts";
import { findTool } from "../src/tools.ts";

/**
 * Replays the Dockerfile's build steps without Docker (there is no engine on the development machines):
 * the build context as Dockerfile.dockerignore lets it in (Docker's matching rules), then the RUN lines of
 * the pruner and installer stages, taken from the Dockerfile itself, with APP set as `--build-arg` would,
 * in a temporary folder. Then the gateway starts from the result.
 * What it cannot check: the base image and apt (tini), which only a real build exercises.
 */

function copyContext(target: string): void {
  for (const file of contextFiles()) {
    mkdirSync(dirname(join(target, file)), { recursive: true });
    copyFileSync(join(repoRoot, file), join(target, file));
  }
}

/** Files of a built image tree, its node_modules aside, relative to it. */
function imageFiles(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.name === "node_modules") return [];
    return entry.isDirectory() ? imageFiles(dir, path) : [path];
  });
}

function runStep(command: string, cwd: string, app: AppName, replacements: [string, string][]): void {
  let script = command;
  for (const [from, to] of replacements) {
    // A replacement that no longer matches would run the Dockerfile's step unchanged (or not at all) here.
    if (!script.includes(from)) throw new Error(`RUN ${command}: "${from}" not found`);
    script = script.replaceAll(from, to);
  }
  // A stage's ARG is an environment variable of its RUN steps.
  execFileSync("bash", ["-euo", "pipefail", "-c", script], {
    cwd,
    stdio: "pipe",
    encoding: "utf8",
    env: { ...process.env, APP: app },
  });
}

const pnpm = findTool("pnpm");
const turbo = join(repoRoot, "node_modules/.bin/turbo");
/**
 * The local pnpm store stands in for the build cache mount; --prefer-offline keeps it quick. pnpm's own
 * choice of import (a hard link where the store shares the file system) instead of the image's copies:
 * the same tree without writing ~1 GB per run (the image copies because its store is a cache mount that
 * does not ship).
 */
const LOCAL_INSTALL: [string, string][] = [
  ["--store-dir /pnpm/store ", "--prefer-offline "],
  ["--package-import-method copy ", "--package-import-method auto "],
  ["pnpm ", `${pnpm ?? "pnpm"} `],
];

describe.skipIf(!pnpm && process.env.CI !== "true")("Dockerfile build steps, replayed without Docker", () => {
  const scratch = mkdtempSync(join(tmpdir(), "chainwatch-image-"));
  // Five installed trees and a console build: removing them took over 2 minutes once on a busy machine.
  afterAll(() => rm(scratch, { recursive: true, force: true }), 600_000);

  function build(app: AppName): string {
    const stages = stagesOf(parseDockerfile(readFileSync(join(repoRoot, DOCKERFILE), "utf8")), { APP: app });
    const stage = (alias: string) => {
      const found = stages.find((s) => s.alias === alias);
      if (!found) throw new Error(`${DOCKERFILE}: no stage ${alias}`);
      return found.instructions.filter((i) => i.getKeyword() === "RUN").map(argsOf);
    };
    const context = join(scratch, app, "src");
    const pruned = join(scratch, app, "pruned");
    const image = join(scratch, app, "app");
    mkdirSync(context, { recursive: true });
    copyContext(context);
    for (const step of stage("pruner"))
      runStep(step, context, app, [
        ["/pruned", pruned],
        ["turbo ", `${turbo} `],
      ]);
    cpSync(join(pruned, "json"), image, { recursive: true });
    const [install, ...cleanup] = stage("installer");
    if (!install) throw new Error("no install step");
    runStep(install, image, app, LOCAL_INSTALL);
    cpSync(join(pruned, "full"), image, { recursive: true });
    for (const step of cleanup) runStep(step, image, app, []);
    if (app === "api-gateway") buildConsole(stages, pruned, join(scratch, app, "console"), image);
    return image;
  }

  /**
   * The console-builder stage (its install and build, with development dependencies) from the gateway's
   * pruned tree, then the api-gateway stage's COPY of its files into the image, paths from the Dockerfile.
   */
  function buildConsole(stages: ReturnType<typeof stagesOf>, pruned: string, builder: string, image: string) {
    const builderStage = stages.find((s) => s.alias === "console-builder");
    const gatewayStage = stages.find((s) => s.alias === "api-gateway");
    if (!builderStage || !gatewayStage)
      throw new Error(`${DOCKERFILE}: no console-builder or api-gateway stage`);
    const [install, build] = builderStage.instructions.filter((i) => i.getKeyword() === "RUN").map(argsOf);
    if (!install || !build) throw new Error("console-builder: no install and build steps");
    cpSync(join(pruned, "json"), builder, { recursive: true });
    runStep(install, builder, "api-gateway", LOCAL_INSTALL);
    cpSync(join(pruned, "full"), builder, { recursive: true });
    runStep(build, builder, "api-gateway", [["pnpm ", `${pnpm ?? "pnpm"} `]]);
    const copy = gatewayStage.instructions.find(
      (i) => i instanceof Copy && i.getFromFlag()?.getValue() === "console-builder",
    );
    const [from, to] = copy ? argsOf(copy).split(" ") : [];
    if (!from?.startsWith("/build/") || !to?.startsWith("/app/"))
      throw new Error(`api-gateway: no COPY --from=console-builder /build/… /app/… (${from} ${to})`);
    cpSync(join(builder, from.slice("/build/".length)), join(image, to.slice("/app/".length)), {
      recursive: true,
    });
  }

  /** No test code nor test helpers in the image; the app's own sources and package.json are there. */
  function expectNoTestCode(image: string, app: AppName): void {
    const files = imageFiles(image);
    expect(files.filter(isTestCode)).toEqual([]);
    expect(files.filter((path) => /(^|\/)(vitest\.config\.ts|tsconfig\.json)$/.test(path))).toEqual([]);
    expect(existsSync(join(image, "packages/testing"))).toBe(false);
    expect(files).toContain(`apps/${app}/src/main.ts`);
    expect(files).toContain(`apps/${app}/package.json`);
  }

  it("api-gateway: pruned, production-installed, started from the image's folder layout", async () => {
    if (!pnpm) throw new Error("pnpm not on PATH (CI=true)");
    const image = build("api-gateway");
    // Production dependencies only, no test helpers, no tests.
    const store = readdirSync(join(image, "node_modules/.pnpm"));
    expect(store.some((entry) => entry.startsWith("vitest@"))).toBe(false);
    expect(store.some((entry) => entry.startsWith("typescript@") || entry.startsWith("@biomejs"))).toBe(
      false,
    );
    expectNoTestCode(image, "api-gateway");
    expect(existsSync(join(image, "packages/model/models/default.model.json"))).toBe(true);

    const port = await freePort();
    const gateway = spawnService(join(image, "apps/api-gateway/src/main.ts"), {
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "warn",
      BOOTSTRAP_ADMIN_API_KEY: `cw_${"e".repeat(64)}`,
      PGLITE_DATA_DIR: join(scratch, "gateway-data"),
    });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/health/ready`, { timeoutMs: 180_000, service: gateway });
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/predict`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": `cw_${"e".repeat(64)}` },
        body: JSON.stringify({ hash: `0x${"cd".repeat(32)}`, value: 1.5, gas: 21000, gasPrice: 30 }),
      });
      expect(response.status).toBe(200);
      // The console, built in its stage: the page names its content-hashed script, served as immutable.
      const page = await fetch(`http://127.0.0.1:${port}/console`);
      expect(page.status).toBe(200);
      expect(page.headers.get("cache-control")).toBe("no-cache");
      const html = await page.text();
      const script = /<script[^>]*\bsrc="(\/console\/assets\/index-[^"]+\.js)"/.exec(html)?.[1];
      expect(script, html.slice(0, 500)).toBeDefined();
      const asset = await fetch(`http://127.0.0.1:${port}${script}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get("content-type")).toMatch(/javascript/);
      expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect((await asset.text()).length).toBeGreaterThan(10_000);
    } finally {
      expect(await gateway.stop("SIGTERM")).toBe(0);
    }
  }, 420_000);

  it.each(["scoring-worker", "cache-warmer", "alert-dispatcher", "chain-follower"] as const)(
    "%s: pruned and production-installed, every workspace import resolvable",
    (app) => {
      if (!pnpm) throw new Error("pnpm not on PATH (CI=true)");
      const image = build(app);
      expectNoTestCode(image, app);
      // Loading env.ts pulls the app's workspace packages (the worker's reaches @chainwatch/kafka) through
      // the pruned node_modules, with Node's type stripping, as the image's `node src/main.ts` would.
      const output = execFileSync(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          "const m = await import('./src/env.ts'); console.log(typeof m.loadEnv);",
        ],
        { cwd: join(image, "apps", app), encoding: "utf8" },
      );
      expect(output.trim()).toBe("function");
    },
    300_000,
  );
});
