import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { APP_NAMES } from "../src/apps.ts";
import { EXPECTED_LATER, EXPECTED_LATER_RULE_GROUP } from "../src/expected-metrics.ts";
import { deployDir, repoRoot } from "../src/paths.ts";
import { extractSelectors, substituteGrafanaVariables } from "../src/promql.ts";
import { allQueries, RULE_FILES, type RuleFile } from "../src/queries.ts";
import { describeWithTool } from "../src/tools.ts";
import { parseYaml } from "../src/yaml-files.ts";

const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
const SEVERITIES = new Set(["critical", "warning", "info"]);
/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
const anchorsOf = (markdown: string) =>
  new Set(
    [...markdown.matchAll(/^#+\s+(.+)$/gm)].map((match) =>
      (match[1] ?? "")
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s-]/gu, "")
        .replace(/\s/g, "-"),
    ),
  );

describe("alert and recording rules (schema check)", () => {
  const operations = readFileSync(join(repoRoot, "docs/operations.md"), "utf8");
  const anchors = anchorsOf(operations);

  it.each(RULE_FILES)("%s is a valid rule file with runbooks for every alert", (file) => {
    const content = parseYaml<RuleFile>(file);
    expect(Object.keys(content)).toEqual(["groups"]);
    expect(content.groups.length).toBeGreaterThan(0);
    for (const group of content.groups) {
      expect(group.name).toMatch(/^[a-z0-9-]+$/);
      if (group.interval !== undefined) expect(group.interval).toMatch(DURATION);
      expect(group.rules.length).toBeGreaterThan(0);
      for (const rule of group.rules) {
        const where = `${file} ${group.name} ${rule.alert ?? rule.record}`;
        expect(Boolean(rule.alert) !== Boolean(rule.record), `${where}: exactly one of alert/record`).toBe(
          true,
        );
        expect(rule.expr.trim().length, where).toBeGreaterThan(0);
        expect(() => extractSelectors(rule.expr), where).not.toThrow();
        if (rule.record) {
          // level:metric:operations naming, so a recorded series is never mistaken for an exported one.
          expect(rule.record, where).toMatch(/^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/);
          expect(rule.for, where).toBeUndefined();
          continue;
        }
        expect(rule.alert, where).toMatch(/^Chainwatch[A-Z][A-Za-z0-9]+$/);
        if (rule.for !== undefined) expect(rule.for, where).toMatch(DURATION);
        expect(SEVERITIES.has(rule.labels?.severity ?? ""), `${where}: severity label`).toBe(true);
        expect(rule.annotations?.summary, where).toBeTruthy();
        expect(rule.annotations?.description, where).toBeTruthy();
        const runbook = rule.annotations?.runbook ?? "";
        expect(runbook, where).toMatch(/^docs\/operations\.md#[a-z0-9-]+$/);
        expect(
          anchors.has(runbook.split("#")[1] ?? ""),
          `${where}: ${runbook} is a heading of docs/operations.md`,
        ).toBe(true);
      }
    }
  });

  it("covers every alert the issue asks for", () => {
    const alerts = RULE_FILES.flatMap((file) =>
      parseYaml<RuleFile>(file).groups.flatMap((group) => group.rules.flatMap((rule) => rule.alert ?? [])),
    );
    for (const alert of [
      "ChainwatchApiDown",
      "ChainwatchHigh5xxRatio",
      "ChainwatchP95LatencyHigh",
      "ChainwatchConsumerLagGrowing",
      "ChainwatchDlqRate",
      "ChainwatchAnomalyRateSpike",
      "ChainwatchCriticalAnomalies",
      "ChainwatchCacheHitRateLow",
      "ChainwatchRedisDegraded",
      "ChainwatchDatabaseDegraded",
      "ChainwatchModelDriftDetected",
      "ChainwatchModelDriftScoreHigh",
      "ChainwatchWriteBehindDrops",
    ]) {
      expect(alerts).toContain(alert);
    }
    expect(new Set(alerts).size, "alert names are unique").toBe(alerts.length);
  });

  it("uses metrics that are expected later only in the rule group marked for them", () => {
    for (const query of allQueries().filter((q) => q.group !== undefined)) {
      const later = extractSelectors(query.expr).filter((s) => s.name in EXPECTED_LATER);
      if (query.group === EXPECTED_LATER_RULE_GROUP) {
        expect(later.length, `${query.source} belongs to the expected-later group`).toBeGreaterThan(0);
      } else {
        expect(
          later.map((s) => s.name),
          query.source,
        ).toEqual([]);
      }
    }
  });

  it("scrapes every app under the job names the rules use, on their ports", () => {
    const config = parseYaml<{
      rule_files: string[];
      scrape_configs: { job_name: string; dns_sd_configs?: { names: string[]; port: number }[] }[];
    }>("prometheus/prometheus.yaml");
    const jobs = new Map(config.scrape_configs.map((scrape) => [scrape.job_name, scrape]));
    for (const app of APP_NAMES) expect(jobs.has(app), app).toBe(true);
    expect(config.rule_files).toEqual(["/etc/prometheus/rules/*.rules.yaml"]);
    const k8s = parseYaml<{
      scrape_configs: { relabel_configs: { source_labels?: string[]; target_label?: string }[] }[];
    }>("prometheus/prometheus.kubernetes.yaml");
    const relabels = k8s.scrape_configs.flatMap((scrape) => scrape.relabel_configs);
    const jobSource = relabels.find((relabel) => relabel.target_label === "job")?.source_labels;
    expect(jobSource).toEqual(["__meta_kubernetes_pod_label_app_kubernetes_io_name"]);
    // prometheus-adapter matches series to pods through these labels.
    expect(relabels.map((relabel) => relabel.target_label)).toEqual(
      expect.arrayContaining(["namespace", "pod"]),
    );
  });
});

describeWithTool("promtool", "promtool", (promtool) => {
  const run = (args: string[]) =>
    execFileSync(promtool, args, { cwd: deployDir, encoding: "utf8", stdio: "pipe" });
  const scratch = mkdtempSync(join(tmpdir(), "chainwatch-promtool-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it.each(RULE_FILES)("check rules %s", (file) => {
    expect(run(["check", "rules", file])).toMatch(/SUCCESS/);
  });

  // promtool's rule tests took 31 s in a CI rehearsal on a busy machine: a bound, not a speed check.
  it("test rules: each alert fires on the series the apps export, and stays quiet on healthy ones", {
    timeout: 180_000,
  }, () => {
    expect(run(["test", "rules", "prometheus/tests/chainwatch.rules.test.yaml"])).toMatch(/SUCCESS/);
  });

  it("check config --syntax-only prometheus/prometheus.yaml (compose)", () => {
    expect(run(["check", "config", "--syntax-only", "prometheus/prometheus.yaml"])).toMatch(/SUCCESS/);
  });

  it("every dashboard and autoscaling query is valid PromQL", () => {
    const queries = allQueries().filter((query) => query.group === undefined);
    expect(queries.length).toBeGreaterThan(20);
    const file = join(scratch, "queries.rules.yaml");
    writeFileSync(
      file,
      stringify({
        groups: [
          {
            name: "deploy-queries",
            rules: queries.map((query, index) => ({
              record: `deploy:query_${index}:check`,
              expr: substituteGrafanaVariables(query.expr),
            })),
          },
        ],
      }),
    );
    try {
      expect(run(["check", "rules", file])).toMatch(/SUCCESS/);
    } catch (error) {
      const output = (error as { stdout?: string; stderr?: string }).stdout ?? "";
      throw new Error(
        `${output}\n${(error as { stderr?: string }).stderr ?? ""}\n${queries.map((q, i) => `${i}: ${q.source}`).join("\n")}`,
      );
    }
  });

  it("catches a broken rule (the check can fail)", () => {
    const file = join(scratch, "broken.rules.yaml");
    writeFileSync(
      file,
      stringify({ groups: [{ name: "g", rules: [{ alert: "A", expr: "sum(rate(x[5m])" }] }] }),
    );
    expect(() => run(["check", "rules", file])).toThrow();
  });
});
