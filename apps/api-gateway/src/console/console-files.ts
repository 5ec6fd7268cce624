import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** Where the console's files are requested from: Vite builds with `base: "/console/"`. */
export const CONSOLE_PATH = "/console";
export const CONSOLE_ASSET_PATH = `${CONSOLE_PATH}/assets`;

/** The console's build output (`apps/console/dist`), found through the workspace package like swagger-ui-dist. */
export function defaultConsoleDir(): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve("@chainwatch/console/package.json")), "dist");
  } catch {
    // An image built without the console (its package is not installed there): the not-built page says so.
    return undefined;
  }
}

/** Content types of what Vite emits into assets/ for this app: scripts and stylesheets, nothing else served. */
const ASSET_TYPES = { ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8" } as const;

export interface ConsoleFiles {
  /** index.html of the build, or undefined when the console has not been built. */
  page(): string | undefined;
  /** A file of assets/ by its exact name; undefined for any other name (never a path outside it). */
  asset(name: string): { body: Buffer; contentType: string } | undefined;
}

/**
 * The built console, read from disk on first use and then kept (about 250 KB), so a build made while the
 * gateway runs is picked up by the first request after it. Only names listed in assets/ are served: the
 * request's name is looked up in that listing, never joined into a path.
 */
export function createConsoleFiles(dir: string | undefined): ConsoleFiles {
  let loaded: { page: string; assets: Map<string, { body: Buffer; contentType: string }> } | undefined;
  const load = () => {
    if (loaded || dir === undefined) return loaded;
    let page: string;
    try {
      page = readFileSync(join(dir, "index.html"), "utf8");
    } catch {
      return undefined;
    }
    const assets = new Map<string, { body: Buffer; contentType: string }>();
    let names: string[] = [];
    try {
      names = readdirSync(join(dir, "assets"));
    } catch {
      // A build with no assets directory serves its page alone.
    }
    for (const name of names) {
      const extension = name.slice(name.lastIndexOf("."));
      const contentType = Object.hasOwn(ASSET_TYPES, extension)
        ? ASSET_TYPES[extension as keyof typeof ASSET_TYPES]
        : undefined;
      if (contentType) assets.set(name, { body: readFileSync(join(dir, "assets", name)), contentType });
    }
    loaded = { page, assets };
    return loaded;
  };
  return {
    page: () => load()?.page,
    asset: (name) => load()?.assets.get(name),
  };
}

/** What /console answers before the console is built: how to build it, instead of a blank page. */
export function renderConsoleNotBuilt(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Chainwatch console not built</title>
</head>
<body>
<main>
<h1>The Chainwatch console is not built</h1>
<p>This gateway serves the console from <code>apps/console/dist</code>, which does not exist yet.
Build it with <code>pnpm --filter @chainwatch/console build</code> (or start with <code>npm start</code>,
which builds it), then reload this page. The API itself works without it: <a href="/docs">/docs</a>.</p>
</main>
</body>
</html>
`;
}
