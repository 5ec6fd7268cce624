import { z } from "zod";
import type { Endpoint, NonJsonType } from "../http/endpoint.ts";
import { notFound } from "../http/errors.ts";
import { OpenApiDocumentSchema } from "../http/operations-schemas.ts";
import { DOCS_ASSET_PATH, DOCS_ASSETS, readDocsAsset, renderDocsPage } from "../openapi/docs-page.ts";
import type { OpenApiDocument } from "../openapi/document.ts";

/**
 * The API reference: the document, and Swagger UI on /docs with its files. All public and never rate
 * limited; the document is built from the final endpoint list, these three included.
 */
export function docsEndpoints(document: () => OpenApiDocument): Endpoint[] {
  let page: string | undefined;
  const reference = { method: "get", access: "public", rateTier: "none", tag: "operations" } as const;
  const assetNames = Object.keys(DOCS_ASSETS) as [string, ...string[]];
  return [
    {
      ...reference,
      operationId: "getOpenApiDocument",
      path: "/openapi.json",
      summary: "This OpenAPI 3.1 document",
      response: OpenApiDocumentSchema,
      handler: (_req, res) => {
        res.json(document());
      },
    },
    {
      ...reference,
      operationId: "getDocsPage",
      path: "/docs",
      summary: "The API reference (Swagger UI): every operation, tried out against this gateway",
      responseType: "text/html",
      handler: (_req, res) => {
        page ??= renderDocsPage(document().info);
        res.setHeader("Content-Security-Policy", withoutUpgrade(res.getHeader("Content-Security-Policy")));
        res.type("html").send(page);
      },
    },
    {
      ...reference,
      operationId: "getDocsAsset",
      path: `${DOCS_ASSET_PATH}/{file}`,
      summary: "A file of the /docs page: Swagger UI from the swagger-ui-dist package, and its start script",
      params: z.object({ file: z.enum(assetNames) }),
      responseType: [...new Set(Object.values(DOCS_ASSETS).map((asset): NonJsonType => asset.type))],
      errors: [404],
      handler: (req, res) => {
        const asset = readDocsAsset(String(req.params.file ?? ""));
        if (!asset) throw notFound("no such file of the docs page");
        // Fixed for a given gateway version; an hour keeps a redeploy's new files from waiting long.
        res.setHeader("Cache-Control", "public, max-age=3600");
        res.setHeader("Content-Type", asset.contentType);
        res.send(asset.body);
      },
    },
  ];
}

/**
 * helmet's policy without `upgrade-insecure-requests`, for the pages that load files (this one, /console): reached over plain
 * HTTP by any name but localhost (compose, a cluster, a LAN), browsers would fetch its scripts over HTTPS and
 * show a blank page. Behind TLS nothing changes (the page's URLs are relative), and every other directive
 * (scripts from this origin only, no inline script) stays as helmet sets it.
 */
export function withoutUpgrade(policy: number | string | string[] | undefined): string {
  return String(policy ?? "")
    .split(";")
    .filter((directive) => directive.trim() !== "upgrade-insecure-requests")
    .join(";");
}
