import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { APP_NAMES, APPS } from "../src/apps.ts";
import {
  globalArgs,
  lintDockerfile,
  parseDockerfile,
  stagesOf,
  UNPINNED_DIGEST_PLACEHOLDER,
} from "../src/dockerfile.ts";
import { repoRoot } from "../src/paths.ts";

const read = (path: string) => readFileSync(join(repoRoot, path), "utf8");
const rootPackage = JSON.parse(read("package.json")) as { packageManager: string };
const catalog = (parse(read("pnpm-workspace.yaml")) as { catalog: Record<string, string> }).catalog;

describe.each(APP_NAMES)("%s Dockerfile", (name) => {
  const app = APPS[name];
  const text = read(app.dockerfile);
  const instructions = parseDockerfile(text);
  const stages = stagesOf(instructions);
  const final = stages.at(-1);
  const finalOf = (keyword: string) => final?.instructions.filter((i) => i.keyword === keyword) ?? [];
  const args = new Map([
    ...globalArgs(instructions),
    ...instructions
      .filter((i) => i.keyword === "ARG" && i.args.includes("="))
      .map((i) => i.args.split("=") as [string, string]),
  ]);

  it("passes the lint (pinned base, no latest, non-root USER, HEALTHCHECK, init, exec form, apt hygiene)", () => {
    expect(lintDockerfile(text)).toEqual([]);
  });

  it("pins the Node version of .nvmrc, the pnpm of packageManager and the turbo of the catalog", () => {
    expect(args.get("NODE_VERSION")).toBe(read(".nvmrc").trim());
    expect(`pnpm@${args.get("PNPM_VERSION")}`).toBe(rootPackage.packageManager);
    expect(args.get("TURBO_VERSION")).toBe(catalog.turbo);
    const digest = args.get("NODE_BASE_DIGEST");
    // Documented placeholder until deploy/docker/pin-base-image.sh runs (docs/operations.md, "Images").
    expect(digest === UNPINNED_DIGEST_PLACEHOLDER || /^sha256:[0-9a-f]{64}$/.test(digest ?? "")).toBe(true);
    for (const stage of stages.filter((s) => s.image.startsWith("node:"))) {
      expect(stage.image).toBe(["node:$", "{NODE_VERSION}-bookworm-slim@$", "{NODE_BASE_DIGEST}"].join(""));
    }
  });

  it("prunes and installs this app only, without the test helpers", () => {
    expect(text).toContain(`turbo prune @chainwatch/${name} --docker --out-dir /pruned`);
    const install = instructions.find((i) => i.keyword === "RUN" && i.args.includes("pnpm install"))?.args;
    expect(install).toMatch(/pnpm install --prod --frozen-lockfile /);
    expect(install).toContain(`--filter "@chainwatch/${name}..." --filter "!@chainwatch/testing"`);
  });

  it("runs main.ts from the app folder, as the app's start script does", () => {
    const start = (JSON.parse(read(`apps/${name}/package.json`)) as { scripts: { start: string } }).scripts
      .start;
    expect(start).toBe("node src/main.ts");
    expect(finalOf("WORKDIR").at(-1)?.args).toBe(`/app/apps/${name}`);
    expect(JSON.parse(finalOf("CMD").at(-1)?.args ?? "[]")).toEqual(start.split(" "));
    expect(JSON.parse(finalOf("ENTRYPOINT").at(-1)?.args ?? "[]")).toEqual(["/usr/bin/tini", "--"]);
  });

  it("exposes the app's port and probes its real readiness route on it", () => {
    expect(finalOf("EXPOSE").map((i) => i.args)).toEqual([String(app.defaultPort)]);
    const healthcheck = finalOf("HEALTHCHECK").at(-1)?.args ?? "";
    expect(healthcheck).toContain(`process.env.${app.portVar}||${app.defaultPort}`);
    expect(healthcheck).toContain("/health/ready");
  });

  it("sets no environment variable the app does not read", () => {
    for (const env of finalOf("ENV")) {
      const key = env.args.split(/[=\s]/)[0] ?? "";
      expect(app.envKeys.has(key), `ENV ${key}`).toBe(true);
    }
  });

  it("has a BuildKit ignore file that keeps the context to what turbo prune needs", () => {
    const ignore = read(`${app.dockerfile}.dockerignore`).split("\n");
    expect(ignore[ignore.findIndex((line) => !line.startsWith("#") && line.trim() !== "")]).toBe("*");
    for (const needed of [
      "package.json",
      "pnpm-lock.yaml",
      "pnpm-workspace.yaml",
      "turbo.json",
      "apps/",
      "packages/",
    ]) {
      expect(ignore, needed).toContain(`!${needed}`);
    }
    for (const excluded of ["**/node_modules", "**/.env"]) expect(ignore).toContain(excluded);
  });
});

describe("the three Dockerfiles", () => {
  it("differ only in the app, its port and its health check", () => {
    const normalised = APP_NAMES.map((name) =>
      read(APPS[name].dockerfile)
        .replaceAll(name, "APP")
        .split("\n")
        .filter((line) => !/^(EXPOSE|\s+CMD \["node", "-e"|#)/.test(line))
        .join("\n"),
    );
    expect(normalised[1]).toBe(normalised[0]);
    expect(normalised[2]).toBe(normalised[0]);
    const ignores = APP_NAMES.map((name) => read(`${APPS[name].dockerfile}.dockerignore`));
    expect(new Set(ignores).size).toBe(1);
  });
});
