import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { NonJsonType } from "../http/endpoint.ts";

/** Where the API reference page's files are served from; `/docs` itself is the page. */
export const DOCS_ASSET_PATH = "/docs/assets";

const swaggerUiDir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));

interface DocsAsset {
  file: string;
  type: NonJsonType;
}

/**
 * The files of the page, by the name it requests them under: Swagger UI from the swagger-ui-dist package
 * (never a CDN: deployments are often offline, and the CSP allows scripts from this origin only), plus the
 * script that starts it, a file because the CSP refuses inline scripts. Nothing outside this list is served.
 */
export const DOCS_ASSETS: Readonly<Record<string, DocsAsset>> = {
  "swagger-ui.css": { file: join(swaggerUiDir, "swagger-ui.css"), type: "text/css" },
  "index.css": { file: join(swaggerUiDir, "index.css"), type: "text/css" },
  "swagger-ui-bundle.js": { file: join(swaggerUiDir, "swagger-ui-bundle.js"), type: "text/javascript" },
  "favicon-32x32.png": { file: join(swaggerUiDir, "favicon-32x32.png"), type: "image/png" },
  "docs-init.js": {
    file: fileURLToPath(new URL("./docs-init.js", import.meta.url)),
    type: "text/javascript",
  },
};

const contents = new Map<string, Buffer>();

/** The bytes of a listed asset (read once, then kept: about 2 MB in all); undefined for any other name. */
export function readDocsAsset(name: string): { body: Buffer; contentType: string } | undefined {
  const asset = Object.hasOwn(DOCS_ASSETS, name) ? DOCS_ASSETS[name] : undefined;
  if (!asset) return undefined;
  let body = contents.get(name);
  if (!body) {
    body = readFileSync(asset.file);
    contents.set(name, body);
  }
  return { body, contentType: asset.type.startsWith("text/") ? `${asset.type}; charset=utf-8` : asset.type };
}

/** Characters that would let the title break out of the HTML it is placed in. */
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/**
 * Swagger UI for this gateway's document: no inline script or style, every file from DOCS_ASSET_PATH. The
 * script (docs-init.js) points it at /openapi.json, whose `servers` entry is this gateway, so "Try it out"
 * calls the gateway that served the page, with the API key or bearer token given under "Authorize".
 */
export function renderDocsPage(info: { title: string; version: string }): string {
  const title = escapeHtml(`${info.title} ${info.version}`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="${DOCS_ASSET_PATH}/swagger-ui.css">
<link rel="stylesheet" href="${DOCS_ASSET_PATH}/index.css">
<link rel="icon" type="image/png" href="${DOCS_ASSET_PATH}/favicon-32x32.png" sizes="32x32">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${DOCS_ASSET_PATH}/swagger-ui-bundle.js"></script>
<script src="${DOCS_ASSET_PATH}/docs-init.js"></script>
</body>
</html>
`;
}
