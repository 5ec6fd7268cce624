import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

describe("/docs: Swagger UI served by the gateway", () => {
  let app: TestGateway;
  beforeAll(async () => {
    app = await startTestGateway({
      ENABLE_RATE_LIMITING: "true",
      RATE_LIMIT_RPM: "1",
      RATE_LIMIT_BURST: "0",
    });
  });
  afterAll(() => app.stop());

  it("serves the page without inline script, loading every file from this gateway", async () => {
    const page = await app.send("/docs", { anonymous: true });
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    const scripts = [...page.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map((script) => script[2]?.trim())).toEqual(["", ""]);
    const sources = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(sources).toEqual([
      "/docs/assets/swagger-ui.css",
      "/docs/assets/index.css",
      "/docs/assets/favicon-32x32.png",
      "/docs/assets/swagger-ui-bundle.js",
      "/docs/assets/docs-init.js",
    ]);
    // helmet's policy: scripts from this origin only, which is why the start script is a file. Without
    // upgrade-insecure-requests on this page, so it also loads from a gateway reached over plain HTTP.
    const policy = String(page.headers["content-security-policy"]);
    expect(policy).toMatch(/script-src 'self'(;|$)/);
    expect(policy).toMatch(/default-src 'self'/);
    const elsewhere = String(
      (await app.send("/health/live", { anonymous: true })).headers["content-security-policy"],
    );
    expect(elsewhere).toContain("upgrade-insecure-requests");
    expect(policy).toBe(elsewhere.replace(/;\s*upgrade-insecure-requests/, ""));
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("serves Swagger UI's files from the swagger-ui-dist package, with their content types", async () => {
    const expected: Record<string, string> = {
      "swagger-ui.css": "text/css; charset=utf-8",
      "index.css": "text/css; charset=utf-8",
      "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
      "docs-init.js": "text/javascript; charset=utf-8",
      "favicon-32x32.png": "image/png",
    };
    for (const [file, type] of Object.entries(expected)) {
      const response = await app.send(`/docs/assets/${file}`, { anonymous: true });
      expect(response.status, file).toBe(200);
      expect(response.headers["content-type"], file).toBe(type);
      expect(response.raw.length, file).toBeGreaterThan(0);
    }
    const bundle = await app.send("/docs/assets/swagger-ui-bundle.js", {
      anonymous: true,
      headers: { "accept-encoding": "gzip" },
    });
    expect(bundle.text).toContain("SwaggerUIBundle");
    expect(bundle.headers["content-encoding"]).toBe("gzip");
    const init = await app.send("/docs/assets/docs-init.js", { anonymous: true });
    expect(init.text).toContain('url: "/openapi.json"');
  });

  it("serves nothing else from the package or the disk, and never rate limits the docs", async () => {
    for (const file of ["swagger-ui-bundle.js.map", "package.json", "..%2Fpackage.json", "index.html"]) {
      const response = await app.send(`/docs/assets/${file}`, { anonymous: true });
      expect(response.status, file).toBe(404);
      expect((response.json as { code: string }).code).toBe("NOT_FOUND");
    }
    // One request a minute is the limit here; the docs and their files are never charged to it.
    for (let round = 0; round < 3; round += 1) {
      expect((await app.send("/docs", { anonymous: true })).status).toBe(200);
      expect((await app.send("/docs/assets/docs-init.js", { anonymous: true })).status).toBe(200);
      expect((await app.send("/openapi.json", { anonymous: true })).status).toBe(200);
    }
  });

  it("documents security schemes Swagger UI can authorise with, and this gateway as the server", async () => {
    const document = (await app.send("/openapi.json", { anonymous: true })).json as {
      servers: { url: string }[];
      components: { securitySchemes: Record<string, Record<string, string>> };
    };
    expect(document.servers).toEqual([{ url: "/", description: "this gateway" }]);
    expect(document.components.securitySchemes).toMatchObject({
      apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
      bearer: { type: "http", scheme: "bearer" },
    });
  });
});
