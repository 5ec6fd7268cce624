import { z } from "zod";
import {
  CONSOLE_ASSET_PATH,
  CONSOLE_PATH,
  type ConsoleFiles,
  renderConsoleNotBuilt,
} from "../console/console-files.ts";
import type { Endpoint } from "../http/endpoint.ts";
import { notFound } from "../http/errors.ts";
import { withoutUpgrade } from "./docs.ts";

/**
 * The analysts' console (apps/console): its page and its built files. Public like /docs: the files hold no
 * data, every call the page makes needs a credential. Never rate limited: one page load fetches a few files.
 */
export function consoleEndpoints(files: ConsoleFiles): Endpoint[] {
  const shell = { method: "get", access: "public", rateTier: "none", tag: "operations" } as const;
  return [
    {
      ...shell,
      operationId: "getConsolePage",
      path: CONSOLE_PATH,
      summary:
        "The analysts' console (a single-page app; a page saying how to build it when it is not built)",
      responseType: "text/html",
      handler: (_req, res) => {
        const page = files.page();
        res.setHeader("Content-Security-Policy", withoutUpgrade(res.getHeader("Content-Security-Policy")));
        // The page names the current build's hashed files, so it is revalidated on every load; the files
        // themselves never change under their names (immutable below).
        res.setHeader("Cache-Control", page === undefined ? "no-store" : "no-cache");
        res.type("html").send(page ?? renderConsoleNotBuilt());
      },
    },
    {
      ...shell,
      operationId: "getConsoleAsset",
      path: `${CONSOLE_ASSET_PATH}/{file}`,
      summary: "A built file of the console: scripts and stylesheets named by their content hash",
      params: z.object({ file: z.string().regex(/^[A-Za-z0-9_.-]{1,200}$/) }),
      responseType: ["text/javascript", "text/css"],
      errors: [404],
      handler: (req, res) => {
        const asset = files.asset(String(req.params.file ?? ""));
        if (!asset) throw notFound("no such file of the console");
        // The name carries a hash of the content: a new build has new names, so a year and immutable is safe.
        res.setHeader("Cache-Control", "public, max-age=31536000, immutable");
        res.setHeader("Content-Type", asset.contentType);
        res.send(asset.body);
      },
    },
  ];
}
