import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { isCI } from "@chainwatch/testing";
import { describe, it } from "vitest";

/** Absolute path of an executable on PATH, or undefined. */
export function findTool(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Like describeWithServices, for a command-line tool: skipped with the reason when it is missing on a
 * developer machine, a failing test with CI=true (CI installs it: deploy/tools/install-tools.sh).
 */
export function describeWithTool(name: string, title: string, body: (path: string) => void): void {
  const path = findTool(name);
  if (path) {
    describe(title, () => body(path));
    return;
  }
  const hint = "run 'bash deploy/tools/install-tools.sh' (apt-get install prometheus brings promtool)";
  if (isCI) {
    describe(title, () => {
      it(`has ${name}`, () => {
        throw new Error(`${name} not found on PATH; ${hint} (CI=true: a missing tool fails)`);
      });
    });
    return;
  }
  describe.skip(`${title} (skipped: ${name} not found; ${hint})`, () => body(""));
}
