/** Characters that would let a summary break out of the HTML it is placed in. */
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/**
 * A self-contained page (no CDN: deployments are often offline) listing every operation with its
 * request and response schemas, generated from the OpenAPI document.
 */
export function renderDocsPage(document: {
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, unknown>>;
}): string {
  const sections = Object.entries(document.paths)
    .flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, raw]) => {
        const operation = raw as { summary: string; requestBody?: unknown; responses: unknown };
        const requestSchema = operation.requestBody
          ? `<details><summary>Request body schema</summary><pre>${escapeHtml(JSON.stringify(operation.requestBody, null, 2))}</pre></details>`
          : "";
        return `<section><h2><span class="m ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h2>
<p>${escapeHtml(operation.summary)}</p>${requestSchema}
<details><summary>Responses</summary><pre>${escapeHtml(JSON.stringify(operation.responses, null, 2))}</pre></details></section>`;
      }),
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(document.info.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1b1f24}
section{border-top:1px solid #d0d7de;padding:.5rem 0}h2{font-size:1.05rem}pre{background:#f6f8fa;padding:.75rem;overflow:auto;font-size:12px}
.m{display:inline-block;min-width:3.5rem;padding:.1rem .4rem;border-radius:4px;color:#fff;font-size:.8rem;text-align:center}
.get{background:#1f6feb}.post{background:#1a7f37}</style></head>
<body><h1>${escapeHtml(document.info.title)} <small>${escapeHtml(document.info.version)}</small></h1>
<p>${escapeHtml(document.info.description)}</p><p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p>
${sections}
</body></html>`;
}
