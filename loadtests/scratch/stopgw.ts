import { spawnService, waitForHttp } from "@chainwatch/testing";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), "gw-"));
for (let i = 0; i < Number(process.argv[3] ?? 5); i++) {
  const port = 40000 + i;
  const t0 = Date.now();
  const gw = spawnService("/work/main/apps/api-gateway/src/main.ts", {
    HOST: "127.0.0.1", PORT: String(port), LOG_LEVEL: "warn", PGLITE_DATA_DIR: dir,
    BOOTSTRAP_ADMIN_API_KEY: `cw_${"d".repeat(64)}`,
  });
  await waitForHttp(`http://127.0.0.1:${port}/health/ready`, { timeoutMs: 120_000, service: gw });
  const t1 = Date.now();
  await fetch(`http://127.0.0.1:${port}/api/v1/predict`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": `cw_${"d".repeat(64)}` }, body: JSON.stringify({ hash: `0x${"ab".repeat(32)}`, value: 1.5, gas: 21000, gasPrice: 30 }) });
  const code = await gw.stop("SIGTERM");
  console.log(`run ${i}: ready ${t1 - t0} ms, stop ${Date.now() - t1} ms, code ${code}`);
  if (code !== 0) console.log(gw.output().slice(-3000));
}
