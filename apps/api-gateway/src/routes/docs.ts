import type { Endpoint } from "../http/endpoint.ts";
import { renderDocsPage } from "../openapi/docs-page.ts";
import type { OpenApiDocument } from "../openapi/document.ts";

/** The API reference; the document is built from the final endpoint list, these two included. */
export function docsEndpoints(document: () => OpenApiDocument): Endpoint[] {
  let page: string | undefined;
  const reference = { method: "get", access: "public", rateTier: "none", tag: "operations" } as const;
  return [
    {
      ...reference,
      operationId: "getOpenApiDocument",
      path: "/openapi.json",
      summary: "This OpenAPI 3.1 document",
      handler: (_req, res) => {
        res.json(document());
      },
    },
    {
      ...reference,
      operationId: "getDocsPage",
      path: "/docs",
      summary: "The API reference as a web page",
      responseType: "text/html",
      handler: (_req, res) => {
        page ??= renderDocsPage(document());
        res.type("html").send(page);
      },
    },
  ];
}
