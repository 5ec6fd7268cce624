#!/usr/bin/env node
/**
 * pnpm --filter @chainwatch/client generate
 *
 * Regenerates what this package is made from: `openapi.json`, the document the gateway serves (exported by
 * `@chainwatch/api-gateway`'s `openapi:export`, from an embedded gateway started in that process), and
 * `src/schema.ts`, its types from openapi-typescript. Both are committed; the gateway's document test fails
 * while `openapi.json` differs from what the gateway serves, so run this after changing an endpoint.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const run = (command: string, args: readonly string[]) =>
  execFileSync(command, args, { cwd: packageDir, stdio: ["ignore", "inherit", "inherit"] });

// By package name, not by path: this package must not depend on the gateway (the gateway's tests use it).
run("pnpm", [
  "--filter",
  "@chainwatch/api-gateway",
  "--silent",
  "run",
  "openapi:export",
  `${packageDir}openapi.json`,
]);
run("pnpm", [
  "exec",
  "openapi-typescript",
  "openapi.json",
  "--output",
  "src/schema.ts",
  // A documented default is what the server assumes when a field is left out, not a field the caller
  // must send (openapi-typescript would otherwise make `parameters` of a training request required).
  "--default-non-nullable",
  "false",
  // `ScoreResult` rather than only `components["schemas"]["ScoreResult"]`.
  "--root-types",
  "--root-types-no-schema-prefix",
]);
run("pnpm", ["exec", "biome", "format", "--write", "openapi.json", "src/schema.ts"]);
