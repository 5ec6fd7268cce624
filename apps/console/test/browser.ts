import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";

/**
 * The browser the end-to-end tests drive: Debian's chromium (deploy/tools/install-tools.sh installs it;
 * Playwright's own download cannot reach its host from CI). CHROMIUM_PATH points elsewhere.
 */
export function chromiumPath(): string | undefined {
  // A path given on purpose is the only one tried: falling back would test some other browser silently.
  const given = process.env.CHROMIUM_PATH;
  const candidates = given ? [given] : ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
  return candidates.find((path) => existsSync(path));
}

const axeSource = (createRequire(import.meta.url)("axe-core") as { source: string }).source;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * axe-core's WCAG 2 A/AA rules on the page as it is now. Evaluated through the DevTools protocol, which the
 * page's CSP (scripts from its own origin only) does not govern, so the console is checked under its real policy.
 */
export async function accessibilityViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<unknown> } }
    ).axe;
    const result = (await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    })) as { violations: AxeViolation[] };
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.map((node) => ({ target: node.target })),
    }));
  });
}
