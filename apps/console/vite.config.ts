import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Served by the gateway under /console (apps/api-gateway/src/routes/console.ts): the page at /console, every
// built file under /console/assets/ with a content hash in its name (cached as immutable there).
export default defineConfig({
  base: "/console/",
  plugins: [react()],
  build: {
    outDir: "dist",
    assetsDir: "assets",
    emptyOutDir: true,
    // Inlined assets would be data: URLs; the gateway's CSP and caching are written for files.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: {
    // `pnpm --filter @chainwatch/console dev`: the API calls go to a gateway on its default port.
    proxy: { "/api": "http://127.0.0.1:8080", "/health": "http://127.0.0.1:8080" },
  },
});
