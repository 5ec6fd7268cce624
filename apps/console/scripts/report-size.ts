// Prints the initial JavaScript of the build (what index.html loads before the first render), gzipped, and
// fails the build above the budget: the console is opened all day on analysts' machines and on phones.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET_BYTES = 250 * 1024;
const dist = join(import.meta.dirname, "..", "dist");
const page = readFileSync(join(dist, "index.html"), "utf8");
// The entry script and every chunk it preloads: everything fetched before the app can render.
const scripts = [
  ...page.matchAll(/<(?:script[^>]*\bsrc|link[^>]*rel="modulepreload"[^>]*\bhref)="\/console\/([^"]+\.js)"/g),
].map((match) => match[1] ?? "");
let rawBytes = 0;
let gzipBytes = 0;
for (const file of scripts) {
  const bytes = readFileSync(join(dist, file));
  rawBytes += bytes.length;
  gzipBytes += gzipSync(bytes, { level: 9 }).length;
}
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
process.stdout.write(
  `console: initial JavaScript ${kib(gzipBytes)} gzipped (${kib(rawBytes)} raw, ${scripts.length} file${scripts.length === 1 ? "" : "s"}: ${scripts.join(", ")}); budget ${kib(BUDGET_BYTES)}\n`,
);
if (scripts.length === 0) {
  process.stderr.write("console: no script found in dist/index.html\n");
  process.exit(1);
}
if (gzipBytes > BUDGET_BYTES) {
  process.stderr.write(`console: initial JavaScript over budget by ${kib(gzipBytes - BUDGET_BYTES)}\n`);
  process.exit(1);
}
