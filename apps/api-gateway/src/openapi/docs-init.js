// Starts Swagger UI on /docs (openapi/docs-page.ts). A file rather than an inline script: the gateway's
// Content-Security-Policy (helmet's defaults) allows scripts from this origin only.
window.ui = window.SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [window.SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  // The document's `servers` is this gateway: "Try it out" calls it, with the credential from "Authorize".
  tryItOutEnabled: false,
  // Never send the document to swagger.io's validator (a third party, and blocked by the CSP anyway).
  validatorUrl: null,
  // Only this gateway's document: `?url=` and `?configUrl=` in the page address are ignored.
  queryConfigEnabled: false,
  // Credentials stay in memory, not in localStorage: a reload asks for them again.
  persistAuthorization: false,
});
