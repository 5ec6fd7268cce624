import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseAllDocuments } from "yaml";
import { deployDir } from "./paths.ts";

const SKIP = new Set(["node_modules", ".turbo", "coverage"]);

/** Files under deploy/ (relative paths), node_modules and caches excluded. */
export function deployFiles(dir = deployDir): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...deployFiles(path));
    else files.push(relative(deployDir, path));
  }
  return files.sort();
}

export function readDeployFile(path: string): string {
  return readFileSync(join(deployDir, path), "utf8");
}

/** Every document of a YAML file; throws with the file name and position on the first error. */
export function parseYamlDocuments(path: string, text = readDeployFile(path)): unknown[] {
  const documents = parseAllDocuments(text, { prettyErrors: true });
  if (!Array.isArray(documents)) return [];
  return documents.map((document) => {
    const [error] = document.errors;
    if (error) throw new Error(`${path}: ${error.message}`);
    return document.toJS({ maxAliasCount: 100 }) as unknown;
  });
}

export function parseYaml<T = unknown>(path: string): T {
  const [document] = parseYamlDocuments(path);
  return document as T;
}
