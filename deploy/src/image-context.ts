import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import dockerignore from "@balena/dockerignore";
import { repoRoot } from "./paths.ts";

/** The one Dockerfile of every app image (`--build-arg APP=<app>`), relative to the repository root. */
export const DOCKERFILE = "deploy/docker/Dockerfile";
/** Its ignore file: BuildKit reads `<Dockerfile>.dockerignore` beside the Dockerfile. */
export const DOCKERIGNORE = `${DOCKERFILE}.dockerignore`;

/**
 * Test code, as the images must not carry it: test files (`*.test.ts`, so `*.int.test.ts` and the
 * `*.happy|error|security.test.ts` kinds too), test-only helpers (`src/testing/`, `src/testing.ts`, the
 * `<package>/testing` exports) and `test/` folders. Written here independently of the ignore file, which
 * the tests check against it.
 */
export function isTestCode(path: string): boolean {
  return /\.test\.ts$/.test(path) || /(^|\/)src\/testing(\/|\.ts$)/.test(path) || /(^|\/)test\//.test(path);
}

/** Whether a path (relative to the context root, `/`-separated) is sent to the build, per the ignore rules. */
export function contextFilter(ignoreRules = readFileSync(join(repoRoot, DOCKERIGNORE), "utf8")) {
  // A CommonJS module whose types declare an ES default export; it sets both, `.default` satisfies both.
  const rules = dockerignore.default().add(ignoreRules);
  return (path: string): boolean => !rules.ignores(path);
}

/** Folders never walked: ignored as a whole (checked), and too large to list file by file. */
const UNWALKED = new Set(["node_modules", ".git"]);

/**
 * The files a build of deploy/docker/Dockerfile sends as its context (the repository root), relative
 * paths, with Docker's ignore semantics (`@balena/dockerignore`, the matcher of dockerode).
 */
export function contextFiles(root = repoRoot, ignoreRules?: string): string[] {
  const isSent = contextFilter(ignoreRules);
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (UNWALKED.has(entry.name) && !isSent(`${path}/x`)) continue;
        walk(path);
      } else if (isSent(path)) {
        files.push(path);
      }
    }
  };
  walk("");
  return files.sort();
}
