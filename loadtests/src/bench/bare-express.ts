/**
 * The ceiling: a bare Express 5 app on the same Node, answering the same POST with a small JSON body.
 * It parses the request body (express.json) like the gateway does, and nothing else: no auth, metrics,
 * rate limit, compression, validation or scoring.
 */
import type { AddressInfo } from "node:net";
import express from "express";

const app = express();
app.disable("x-powered-by");
app.use(express.json({ limit: "10mb" }));
app.post("/hello", (_req, res) => {
  res.json({ hello: "world" });
});
app.get("/hello", (_req, res) => {
  res.json({ hello: "world" });
});

const server = app.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`bare express ready at http://127.0.0.1:${port}\n`);
});
process.once("SIGTERM", () => server.close(() => process.exit(0)));
