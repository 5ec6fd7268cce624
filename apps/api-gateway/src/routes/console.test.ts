import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

const PAGE = `<!doctype html><html lang="en"><head><script type="module" src="/console/assets/index-Ab12_x.js"></script>
<link rel="stylesheet" href="/console/assets/index-Cd34.css"></head><body><div id="root"></div></body></html>`;

describe("/console: the built console served by the gateway", () => {
  let built: TestGateway;
  let bare: TestGateway;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "chainwatch-console-"));
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "index.html"), PAGE);
    writeFileSync(join(dir, "assets", "index-Ab12_x.js"), "console.log('console');");
    writeFileSync(join(dir, "assets", "index-Cd34.css"), "body{margin:0}");
    writeFileSync(join(dir, "assets", "notes.txt"), "not a built file type");
    writeFileSync(join(dir, "secret.js"), "outside assets/");
    built = await startTestGateway(
      { ENABLE_RATE_LIMITING: "true", RATE_LIMIT_RPM: "1", RATE_LIMIT_BURST: "0" },
      { consoleDir: dir },
    );
    bare = await startTestGateway({}, { consoleDir: join(dir, "missing") });
  });
  afterAll(async () => {
    await built.stop();
    await bare.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves the page without a credential, revalidated on every load, scripts from this origin only", async () => {
    const page = await built.send("/console", { anonymous: true });
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers["cache-control"]).toBe("no-cache");
    expect(page.text).toBe(PAGE);
    const policy = String(page.headers["content-security-policy"]);
    expect(policy).toMatch(/script-src 'self'(;|$)/);
    expect(policy).not.toContain("upgrade-insecure-requests");
  });

  it("serves the hashed files as immutable for a year, with their content types", async () => {
    const script = await built.send("/console/assets/index-Ab12_x.js", { anonymous: true });
    expect(script.status).toBe(200);
    expect(script.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(script.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(script.text).toBe("console.log('console');");
    const style = await built.send("/console/assets/index-Cd34.css", { anonymous: true });
    expect(style.headers["content-type"]).toBe("text/css; charset=utf-8");
    expect(style.text).toBe("body{margin:0}");
  });

  it("serves nothing but the built scripts and stylesheets, and never rate limits them", async () => {
    for (const file of ["notes.txt", "secret.js", "..%2Fsecret.js", "..%2Findex.html", "missing-Zz.js"]) {
      const response = await built.send(`/console/assets/${file}`, { anonymous: true });
      expect(response.status, file).toBe(404);
      expect((response.json as { code: string }).code, file).toBe("NOT_FOUND");
    }
    // One request a minute is this gateway's limit; a page load and its files are never charged to it.
    for (let round = 0; round < 3; round += 1) {
      expect((await built.send("/console", { anonymous: true })).status).toBe(200);
      expect((await built.send("/console/assets/index-Ab12_x.js", { anonymous: true })).status).toBe(200);
    }
  });

  it("says how to build the console when it is not built, and is never cached", async () => {
    const page = await bare.send("/console", { anonymous: true });
    expect(page.status).toBe(200);
    expect(page.headers["cache-control"]).toBe("no-store");
    expect(page.text).toContain("The Chainwatch console is not built");
    expect(page.text).toContain("pnpm --filter @chainwatch/console build");
    expect((await bare.send("/console/assets/index-Ab12_x.js", { anonymous: true })).status).toBe(404);
  });
});
