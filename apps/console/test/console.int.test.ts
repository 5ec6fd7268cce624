import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ChainwatchClient, createChainwatchClient } from "@chainwatch/client";
import { freePort, isCI, type SpawnedService, spawnService, waitForHttp } from "@chainwatch/testing";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessibilityViolations, chromiumPath } from "./browser.ts";

const gatewayMain = fileURLToPath(new URL("../../api-gateway/src/main.ts", import.meta.url));
const distIndex = fileURLToPath(new URL("../dist/index.html", import.meta.url));
// Each run writes its screenshots beside the test (git-ignored); UPDATE_SCREENSHOTS=1 refreshes the
// committed ones in docs/console instead, so a plain test run leaves the working tree as it was.
const screenshots = fileURLToPath(
  new URL(
    process.env.UPDATE_SCREENSHOTS === "1" ? "../../../docs/console/" : "../test-results/screenshots/",
    import.meta.url,
  ),
);

const SENDER = `0x${"5".repeat(40)}`;
const RECIPIENT = `0x${"6".repeat(40)}`;
const T0 = 1_714_564_800;
const txHash = (n: number) => `0x${(0xe2e00000 + n).toString(16).padStart(64, "0")}`;
const WHALE = txHash(999);
const transfer = (n: number, overrides: Record<string, unknown> = {}) => ({
  hash: txHash(n),
  from: SENDER,
  to: RECIPIENT,
  value: "0.1",
  gas: 21_000,
  gasPrice: 20,
  input: "0x",
  timestamp: T0 + n * 21_600,
  ...overrides,
});

/** Seeded ordinary traffic without addresses, only for training a second model version. */
function trainingTraffic(count: number) {
  let state = 7;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  return Array.from({ length: count }, () => ({
    hash: `0x${randomBytes(32).toString("hex")}`,
    value: Number((10 ** (random() * 4 - 2)).toFixed(6)),
    gas: [21_000, 50_000, 90_000][Math.floor(random() * 3)] ?? 21_000,
    gasPrice: Number((5 + random() * 40).toFixed(3)),
  }));
}

const browserPath = chromiumPath();
const isBuilt = existsSync(distIndex);
const missing = [
  ...(browserPath ? [] : ["chromium (bash deploy/tools/install-tools.sh, or CHROMIUM_PATH)"]),
  ...(isBuilt ? [] : ["the console build (pnpm --filter @chainwatch/console build)"]),
];

if (missing.length > 0 && isCI) {
  describe("console in a real browser", () => {
    it("has a browser and a built console", () => {
      throw new Error(`CI=true and missing: ${missing.join("; ")}`);
    });
  });
} else if (missing.length > 0) {
  // Outside CI only (above, CI=true fails instead): a developer without chromium or a build sees why.
  describe.skip(`console in a real browser (missing: ${missing.join("; ")})`, () => {
    it("skipped", () => {});
  });
} else {
  describe("console in a real browser: a gateway process (npm start's defaults) and Debian's chromium", () => {
    let gateway: SpawnedService;
    let baseUrl: string;
    let adminKey: string;
    let api: ChainwatchClient;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    // A webhook receiver on this machine: what a SOC's endpoint would get from the gateway.
    let receiver: Server;
    let receiverUrl: string;
    const received: { headers: IncomingHttpHeaders; body: { type?: string; data?: { hash?: string } } }[] =
      [];

    const shot = async (name: string, target: Page = page) => {
      await target.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
    };
    const signIn = async (target: Page, key: string) => {
      await target.goto(`${baseUrl}/console`);
      await target.getByLabel("API key", { exact: true }).fill(key);
      await target.getByRole("button", { name: "Sign in" }).click();
    };

    beforeAll(async () => {
      mkdirSync(screenshots, { recursive: true });
      receiver = createServer((request, response) => {
        let text = "";
        request.on("data", (chunk: Buffer) => {
          text += chunk.toString("utf8");
        });
        request.on("end", () => {
          received.push({
            headers: request.headers,
            body: JSON.parse(text) as (typeof received)[number]["body"],
          });
          response.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
      const address = receiver.address();
      receiverUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/hooks/chainwatch`;
      const port = await freePort();
      baseUrl = `http://127.0.0.1:${port}`;
      gateway = spawnService(gatewayMain, {
        PORT: String(port),
        HOST: "127.0.0.1",
        REDIS_URL: "",
        REDIS_ENABLED: "false",
        PGLITE_DATA_DIR: "memory",
        // The shipped lists take seconds to load and are not what these scenarios look at.
        SCREENING_SEED_SHIPPED_LISTS: "false",
        MODEL_REFRESH_INTERVAL_SECONDS: "1",
        DRIFT_CHECK_INTERVAL_SECONDS: "0",
        AUTO_BASELINE_ENABLED: "false",
        // Webhooks need a key to seal their signing secrets; the receiver is on loopback, which the SSRF
        // guard refuses unless told otherwise (tests only).
        ALERT_SECRET_KEY: randomBytes(32).toString("base64"),
        ALERT_ALLOW_PRIVATE_TARGETS: "true",
        LOG_LEVEL: "warn",
      });
      await waitForHttp(`${baseUrl}/health/live`, { service: gateway, timeoutMs: 120_000 });
      // The banner and the first answer reach this process on different pipes: wait for the banner.
      const bannerBy = Date.now() + 10_000;
      while (!gateway.output().includes("console:") && Date.now() < bannerBy)
        await new Promise((resolve) => setTimeout(resolve, 50));
      // The key the banner prints once, as a person running `npm start` would copy it.
      const printed = /admin API key[^\n]*\n\s+(cw_[0-9a-f]{64})\n/.exec(gateway.output());
      adminKey = printed?.[1] ?? "";
      expect(adminKey).toMatch(/^cw_[0-9a-f]{64}$/);
      api = createChainwatchClient({ baseUrl, apiKey: adminKey });
      // Five days of a quiet sender: 0.1 ETH about every six hours, nothing flagged.
      const history = await api.POST("/api/v1/batch/transactions", {
        body: { transactions: Array.from({ length: 20 }, (_, n) => transfer(n)) },
      });
      expect(history.data?.accepted).toHaveLength(20);
      const list = await api.PUT("/api/v1/lists/{id}", {
        params: { path: { id: "desk-watch" } },
        body: { name: "Desk watch list", kind: "watch", source: "console e2e" },
      });
      expect(list.response.status).toBe(201);

      browser = await chromium.launch({
        executablePath: browserPath,
        headless: true,
        // The CI container runs as root, where chromium's sandbox cannot start.
        args: ["--no-sandbox"],
      });
      context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      page = await context.newPage();
    });

    afterAll(async () => {
      await browser?.close();
      await gateway?.stop("SIGTERM");
      await new Promise((resolve) => receiver?.close(resolve));
    });

    it("refuses a wrong key with the server's code and request id, then signs in with the printed admin key", async () => {
      const wrongKey = `cw_${"0".repeat(64)}`;
      await signIn(page, wrongKey);
      const alert = page.getByRole("alert");
      await expect.poll(() => alert.textContent(), { timeout: 15_000 }).toContain("Sign-in failed");
      const direct = await fetch(`${baseUrl}/api/v1/auth/me`, { headers: { "x-api-key": wrongKey } });
      const body = (await direct.json()) as { code: string };
      const shown = (await alert.textContent()) ?? "";
      expect(shown).toContain(`code${body.code}`);
      expect(shown).toMatch(/request id[0-9a-zA-Z-]{8,}/);
      await shot("login-error");

      await page.getByLabel("API key", { exact: true }).fill(adminKey);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "Live anomalies" }).waitFor();
      expect(await page.locator(".who").textContent()).toContain("(admin)");
    });

    it("signs a user in with email and password", async () => {
      const email = "analyst@example.com";
      const password = "correct horse battery staple";
      const registered = await api.POST("/api/v1/auth/register", {
        body: { email, password, role: "analyst" },
      });
      expect(registered.response.status).toBe(201);
      const userContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const userPage = await userContext.newPage();
      await userPage.goto(`${baseUrl}/console`);
      await userPage.getByLabel("email and password", { exact: true }).check();
      await userPage.getByLabel("Email", { exact: true }).fill(email);
      await userPage.getByLabel("Password", { exact: true }).fill(password);
      await userPage.getByRole("button", { name: "Sign in" }).click();
      await userPage.getByRole("heading", { name: "Live anomalies" }).waitFor();
      expect(await userPage.locator(".who").textContent()).toContain(`${email} (analyst)`);
      // Analysts review and label, but manage no keys: the page is not offered.
      expect(await userPage.getByRole("link", { name: "Keys and users" }).count()).toBe(0);
      await userContext.close();
    });

    it("shows a new anomaly in the live feed without a reload", async () => {
      await page.getByText("No anomalies yet").waitFor();
      // Marks this document: a reload would lose it.
      await page.evaluate(() => {
        (window as unknown as { feedMarker: number }).feedMarker = 42;
      });
      const whale = await api.POST("/api/v1/transactions", {
        body: transfer(999, { value: "500", timestamp: T0 + 20 * 21_600 + 7_200 }),
      });
      expect(whale.data?.accepted).toEqual([WHALE]);
      const row = page.locator(`a.feed-link[data-hash="${WHALE}"]`);
      await row.waitFor({ timeout: 20_000 });
      expect(await page.evaluate(() => (window as unknown as { feedMarker?: number }).feedMarker)).toBe(42);
      expect(await row.textContent()).toContain("value_above_sender_history");
      expect(await row.textContent()).toContain("not reviewed");
      await shot("feed");
    });

    it("opens it from the keyboard, shows its reasons, fields in units and explanation, and records a false positive", async () => {
      await page.locator("a.feed-link").first().focus();
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { name: "Transaction" }).waitFor();
      expect(page.url()).toContain(`#/tx/${WHALE}?anomaly=`);
      const reasons = page.locator(".reason-message");
      await reasons.first().waitFor();
      expect(await reasons.first().textContent()).toMatch(/^value 5,000× this sender's typical 0.1 ETH/);
      const fields = (await page.locator("dl.fields").last().textContent()) ?? "";
      expect(fields).toContain("value500 ETH");
      expect(fields).toContain("gas price20 gwei");
      expect(fields).toContain("gas limit21,000 gas");
      expect(await page.locator(".bar-row").count()).toBeGreaterThan(0);
      expect(await page.getByRole("link", { name: /^open in the block explorer/ }).getAttribute("href")).toBe(
        `https://etherscan.io/tx/${WHALE}`,
      );
      expect(await page.getByRole("heading", { name: "Sender" }).count()).toBe(1);
      await shot("transaction");

      await page.getByLabel("Note (optional)", { exact: true }).fill("known OTC desk settlement");
      await page.getByRole("button", { name: "Mark false positive" }).click();
      await page.getByText(/Reviewed as a false positive by .+/).waitFor();
      expect(await page.locator(".panel [role=status]").textContent()).toContain(
        "“known OTC desk settlement”",
      );

      await page.getByRole("link", { name: "Live feed" }).click();
      await page.getByText("No anomaly matches these filters.").waitFor();
      expect(await page.locator(`a.feed-link[data-hash="${WHALE}"]`).count()).toBe(0);
      await page.getByLabel("Review", { exact: true }).selectOption("reviewed");
      const reviewed = page.locator(`a.feed-link[data-hash="${WHALE}"]`);
      await reviewed.waitFor();
      expect(await reviewed.textContent()).toContain("false positive");
    });

    it("screens an address and adds a label to it", async () => {
      await page.getByLabel("Address or transaction hash", { exact: true }).fill(SENDER);
      await page.getByRole("button", { name: "Go" }).click();
      await page.getByRole("heading", { name: "Address" }).waitFor();
      await page.getByText("No list names this address.").waitFor();
      const context = (await page.locator("dl.fields").textContent()) ?? "";
      expect(context).toContain("21 transactions to 1 recipients");
      expect(context).toContain("anomalies1");
      expect(await page.locator("table.table tbody tr").count()).toBe(20);
      // The 20 most recent, the whale among them: the chart's label sums them up.
      expect(
        await page
          .getByRole("img", { name: /^Risk score of 20 transactions .*, 1 flagged as anomalies$/ })
          .count(),
      ).toBe(1);

      await page.getByLabel("List", { exact: true }).selectOption("desk-watch");
      await page.getByLabel("Category", { exact: true }).selectOption("exchange");
      await page.getByLabel("Note (optional)", { exact: true }).fill("OTC desk hot wallet");
      await page.getByRole("button", { name: "Add label" }).click();
      const label = page.locator("ul.labels li");
      await label.first().waitFor();
      expect(await label.first().textContent()).toContain(
        "watch exchange on Desk watch list (confidence 1) · “OTC desk hot wallet”",
      );
      await shot("address");
      const stored = await api.GET("/api/v1/addresses/{address}", { params: { path: { address: SENDER } } });
      expect(stored.data?.labels.map((item) => [item.listId, item.category])).toEqual([
        ["desk-watch", "exchange"],
      ]);
    });

    it("filters the feed on the gateway by screening list, address and reason", async () => {
      await page.getByRole("link", { name: "Live feed" }).click();
      await page.getByLabel("Review", { exact: true }).selectOption("all");
      const whale = page.locator(`a.feed-link[data-hash="${WHALE}"]`);
      await whale.waitFor();
      // The sender was just labelled on the desk's watch list.
      await page.getByLabel("Labelled on", { exact: true }).selectOption("desk-watch");
      await expect
        .poll(() => page.locator(".count").textContent(), { timeout: 15_000 })
        .toBe("1 loaded of 1 matching");
      expect(await whale.count()).toBe(1);
      await page.getByLabel("Labelled on", { exact: true }).selectOption("all");
      await page
        .getByLabel("Address (sender or recipient)", { exact: true })
        .fill(RECIPIENT.toUpperCase().replace("0X", "0x"));
      await expect
        .poll(() => page.locator(".count").textContent(), { timeout: 15_000 })
        .toBe("1 loaded of 1 matching");
      await page.getByLabel("Reason kind", { exact: true }).selectOption("label");
      await page.getByText("No anomaly matches these filters.").waitFor();
      await shot("feed-filters");
      await page.getByRole("button", { name: "Reset filters" }).click();
      await page.getByText("No anomaly matches these filters.").waitFor();
      expect(await page.getByLabel("Review", { exact: true }).inputValue()).toBe("unreviewed");
    });

    it("deploys a trained version as a canary after confirmation, then rolls it back", async () => {
      const since = new Date(Date.now() - 1_000).toISOString();
      const traffic = await api.POST("/api/v1/batch/transactions", {
        body: { transactions: trainingTraffic(400) },
      });
      expect(traffic.data?.accepted).toHaveLength(400);
      const until = new Date(Date.now() + 1_000).toISOString();
      const started = await api.POST("/api/v1/models/train", {
        body: {
          source: { kind: "stored", since, until },
          parameters: { seed: 7, trees: 20, sampleSize: 128 },
        },
      });
      const jobId = started.data?.jobId ?? "";
      let candidate = "";
      await expect
        .poll(
          async () => {
            const job = await api.GET("/api/v1/models/jobs/{id}", { params: { path: { id: jobId } } });
            candidate = job.data?.modelVersion ?? "";
            return job.data?.status;
          },
          { timeout: 90_000, interval: 500 },
        )
        .toBe("succeeded");

      const shipped = (await api.GET("/api/v1/models")).data?.activeSet.active?.version ?? "";
      const keyId = (await api.GET("/api/v1/auth/me")).data?.id ?? "";
      expect(shipped).not.toBe("");
      await page.getByRole("link", { name: "Models" }).click();
      await page.getByRole("heading", { name: "Serving set" }).waitFor();
      const servingSet = page.getByLabel("Serving set", { exact: true });
      expect(await servingSet.textContent()).toContain("canarynone");
      await page.getByLabel(`Strategy for ${candidate}`, { exact: true }).selectOption("canary");
      await page.getByLabel(`Canary traffic percent for ${candidate}`, { exact: true }).fill("25");
      await page.getByRole("button", { name: `Deploy ${candidate}`, exact: true }).click();
      const confirm = page.getByRole("alertdialog");
      expect(await confirm.textContent()).toContain(`Deploy ${candidate} as canary on 25 % of traffic?`);
      await shot("models-confirm");
      await confirm.getByRole("button", { name: "Deploy" }).click();
      await expect
        .poll(() => servingSet.textContent(), { timeout: 15_000 })
        .toContain(`canary${candidate} at 25 % of traffic`);
      const registry = await api.GET("/api/v1/models");
      expect(registry.data?.activeSet.canary).toMatchObject({ version: candidate, trafficPercent: 25 });
      await shot("models");

      // Nothing was active before the shipped model: the gateway refuses, and the page says why.
      await page.getByRole("button", { name: "Roll back…" }).click();
      await page.getByRole("alertdialog").getByRole("button", { name: "Roll back" }).click();
      const refusal = page.getByRole("alert");
      await refusal.waitFor();
      expect(await refusal.textContent()).toMatch(/codeMODEL_NO_ROLLBACK_TARGET.*request id\S{8,}/);
      await page.getByRole("alertdialog").getByRole("button", { name: "Cancel" }).click();

      // Promote the canary, then roll back to the shipped model.
      await page.getByLabel(`Strategy for ${candidate}`, { exact: true }).selectOption("full");
      await page.getByRole("button", { name: `Deploy ${candidate}`, exact: true }).click();
      await page.getByRole("alertdialog").getByRole("button", { name: "Deploy" }).click();
      await expect
        .poll(() => servingSet.textContent(), { timeout: 15_000 })
        .toContain(`active${candidate}canarynone`);
      await page.getByRole("button", { name: "Roll back…" }).click();
      await page.getByRole("alertdialog").getByRole("button", { name: "Roll back" }).click();
      await expect
        .poll(() => servingSet.textContent(), { timeout: 15_000 })
        .toContain(`active${shipped}canarynone`);
      const after = await api.GET("/api/v1/models");
      expect(after.data?.activeSet.active?.version).toBe(shipped);
      expect(after.data?.activeSet.canary).toBeNull();
      await page.getByRole("button", { name: `History of ${candidate}` }).click();
      const history = page.locator("ol.history li");
      await history.first().waitFor();
      // Newest first: registered, canary, promoted.
      expect((await history.allTextContents()).map((entry) => entry.replace(/^.*?: /, ""))).toEqual([
        `deploy (full, 100 %) by api_key:${keyId}`,
        `deploy (canary, 25 %) by api_key:${keyId}`,
        `register by api_key:${keyId}`,
      ]);

      // Compare the shipped model with the candidate: the shipped one served every transaction of the last
      // hour; the candidate's canary saw none, so there is nothing both scored.
      const compare = page.getByRole("form", { name: "Compare two versions" });
      expect(await compare.getByLabel("First version", { exact: true }).inputValue()).toBe(shipped);
      await compare.getByLabel("Second version", { exact: true }).selectOption(candidate);
      await compare.getByLabel("Window", { exact: true }).selectOption("last 1 h");
      await compare.getByRole("button", { name: "Compare" }).click();
      const compared = page.getByRole("table", { name: /^Compared from / });
      await compared.waitFor();
      const scoredRow = (await compared.getByRole("row").nth(1).textContent()) ?? "";
      expect(scoredRow).toMatch(/^transactions scored\d+0$/);
      expect(Number(scoredRow.replace(/^transactions scored(\d+)0$/, "$1"))).toBeGreaterThanOrEqual(400);
      await page.getByText(/^No transaction was scored by both versions/).waitFor();

      // A drift check on demand lands in the chart.
      await page.getByRole("button", { name: "Check drift now" }).click();
      await page.getByText(/^Latest check .+\(api, by api_key:/).waitFor({ timeout: 30_000 });
      expect(await page.getByRole("img", { name: /^Largest PSI of 1 drift checks/ }).count()).toBe(1);
      await shot("models-compare-drift");
      expect(await accessibilityViolations(page), "models with a comparison and a drift check").toEqual([]);
    });

    it("shows the stream's status", async () => {
      await page.getByRole("link", { name: "Stream" }).click();
      await page.getByRole("heading", { name: "Stream" }).waitFor();
      const fields = page.locator("dl.fields");
      await fields.waitFor();
      const text = (await fields.textContent()) ?? "";
      expect(text).toContain("modeembedded (scored in the gateway)");
      // 20 history + 1 whale + 400 training transactions, every one accepted.
      expect(text).toContain("accepted421");
      expect(text).toContain("rejected0");
      await shot("stream");
    });

    it("adds a webhook, sends it a test alert that the receiver gets signed, and sees an anomaly delivered to it", async () => {
      await page.getByRole("link", { name: "Alerts" }).click();
      await page.getByRole("heading", { name: "Alerts", exact: true }).waitFor();
      await page.getByText(/No destination yet/).waitFor();
      await page.getByText(/No delivery yet/).waitFor();
      await page.getByLabel("Name", { exact: true }).fill("SOC webhook");
      await page.getByLabel("URL", { exact: true }).fill(receiverUrl);
      await page.getByRole("button", { name: "Add destination" }).click();
      const secret = page.getByRole("status").filter({ hasText: "Signing secret" });
      await secret.waitFor();
      expect(await secret.textContent()).toMatch(/Signing secret of “SOC webhook”, shown once .*whsec_\S+$/);
      const row = page
        .getByRole("table", { name: "Alert destinations" })
        .getByRole("row", { name: /SOC webhook/ });
      expect(await row.textContent()).toContain("low and above");

      await page.getByRole("button", { name: "Send test alert to SOC webhook" }).click();
      const result = page.getByRole("status").filter({ hasText: "Test alert to" });
      await result.waitFor({ timeout: 20_000 });
      expect(await result.textContent()).toMatch(
        /^Test alert to “SOC webhook”: delivered \(HTTP 204\) in \d+ ms\. Message id \S+$/,
      );
      const test = received.find((delivery) => delivery.body.type === "alert.test");
      expect(test?.headers["webhook-signature"]).toMatch(/^v1,/);
      expect(test?.headers["webhook-id"]).toBe((await result.locator("code").textContent()) ?? "");

      // A real anomaly from the stream reaches the receiver through the outbox (at least once).
      const burst = await api.POST("/api/v1/transactions", {
        body: transfer(998, { value: "900", timestamp: T0 + 21 * 21_600 }),
      });
      expect(burst.data?.accepted).toEqual([txHash(998)]);
      await expect
        .poll(() => received.filter((delivery) => delivery.body.type === "anomaly.detected").length, {
          timeout: 30_000,
        })
        .toBeGreaterThan(0);
      expect(received.find((delivery) => delivery.body.type === "anomaly.detected")?.body.data?.hash).toBe(
        txHash(998),
      );
      // The page lists it (polled every 5 s): delivered at the first attempt, with the receiver's answer.
      const delivery = page.getByRole("row", { name: new RegExp(txHash(998).slice(0, 8)) });
      await delivery.waitFor({ timeout: 20_000 });
      const cells = await delivery.locator("td").allTextContents();
      expect(cells.slice(0, 5)).toEqual([
        "SOC webhook",
        `${txHash(998).slice(0, 8)}…${txHash(998).slice(-6)}`,
        expect.stringMatching(/^delivered /),
        "1",
        "HTTP 204",
      ]);
      await shot("alerts");

      await page.getByRole("button", { name: "Disable SOC webhook" }).click();
      await page.getByRole("button", { name: "Enable SOC webhook" }).waitFor();
      expect(await row.textContent()).toContain("disabled");
      const stored = await api.GET("/api/v1/alerts/destinations");
      expect(stored.data?.destinations.map((item) => [item.name, item.enabled])).toEqual([
        ["SOC webhook", false],
      ]);
    });

    it("revokes a suppression a review left, after a confirmation, and shows review precision", async () => {
      const feed = await api.GET("/api/v1/anomalies", { params: { query: { limit: 100 } } });
      const whale = feed.data?.items.find((item) => item.txHash === WHALE);
      expect(whale).toBeDefined();
      const reviewed = await api.POST("/api/v1/anomalies/{id}/review", {
        params: { path: { id: whale?.id ?? "" } },
        body: {
          falsePositive: true,
          note: "weekly OTC settlement",
          effect: {
            type: "suppress",
            party: "from",
            reasonCode: "value_above_sender_history",
            days: 30,
            reason: "the desk settles weekly",
          },
        },
      });
      expect(reviewed.response.status).toBe(200);

      await page.getByRole("link", { name: "Suppressions" }).click();
      await page.getByRole("heading", { name: "Suppressions and review precision" }).waitFor();
      const stats = page.getByText(/reviewed: \d+ confirmed, \d+ false positives/);
      await stats.waitFor();
      expect(await stats.textContent()).toMatch(
        /^1 reviewed: 0 confirmed, 1 false positives; precision 0\.0 %\.$/,
      );
      const row = page.getByRole("row", { name: /the desk settles weekly/ });
      await row.waitFor();
      expect(await row.textContent()).toContain("value_above_sender_history");
      await shot("suppressions");

      await row.getByRole("button", { name: `Revoke value_above_sender_history for ${SENDER}` }).click();
      await page.getByLabel("Why revoke (optional, kept with it)", { exact: true }).fill("desk closed");
      const confirm = page.getByRole("alertdialog");
      expect(await confirm.textContent()).toContain(
        `Revoke the suppression of value_above_sender_history for ${SENDER}?`,
      );
      await confirm.getByRole("button", { name: "Revoke" }).click();
      await page
        .getByText(
          `Revoked: value_above_sender_history applies to ${SENDER.slice(0, 8)}…${SENDER.slice(-6)} again.`,
        )
        .waitFor();
      await page.getByText(/No active suppression/).waitFor();
      const stored = await api.GET("/api/v1/suppressions", { params: { query: { status: "all" } } });
      expect(stored.data?.suppressions.map((item) => [item.status, item.revokeReason])).toEqual([
        ["revoked", "desk closed"],
      ]);
    });

    it("passes axe's WCAG 2 A/AA checks on every page, and fits a phone's width", async () => {
      const pages: [string, string][] = [
        ["feed", "#/"],
        ["transaction", `#/tx/${WHALE}`],
        ["address", `#/address/${SENDER}`],
        ["models", "#/models"],
        ["stream", "#/stream"],
        ["alerts", "#/alerts"],
        ["suppressions", "#/suppressions"],
        ["access", "#/access"],
        ["settings", "#/settings"],
      ];
      for (const [name, hash] of pages) {
        await page.goto(`${baseUrl}/console${hash}`);
        await page.locator("main h1").first().waitFor();
        await page.waitForLoadState("networkidle");
        expect(await accessibilityViolations(page), name).toEqual([]);
      }
      const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
      const phonePage = await phone.newPage();
      await signIn(phonePage, adminKey);
      await phonePage.getByLabel("Review", { exact: true }).selectOption("all");
      await phonePage.locator("a.feed-link").first().waitFor();
      // Nothing wider than the screen: no sideways scrolling on a phone.
      expect(await phonePage.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await shot("feed-phone", phonePage);
      await phonePage.goto(`${baseUrl}/console#/tx/${WHALE}`);
      await phonePage.locator(".reason-message").first().waitFor();
      expect(await phonePage.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      expect(await accessibilityViolations(phonePage), "transaction on a phone").toEqual([]);
      await shot("transaction-phone", phonePage);
      // The models page's widest parts: the versions table, the compare form and the drift chart.
      await phonePage.goto(`${baseUrl}/console#/models`);
      await phonePage.getByRole("form", { name: "Compare two versions" }).waitFor();
      await phonePage.getByRole("img", { name: /^Largest PSI of/ }).waitFor();
      expect(await phonePage.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await phone.close();
    });
  });
}
