import { parseYaml, readDeployFile } from "./yaml-files.ts";

/** A PromQL expression used somewhere under deploy/, with where it comes from. */
export interface Query {
  source: string;
  expr: string;
  /** Rule group, for rule expressions. */
  group?: string;
}

export interface RuleFile {
  groups: {
    name: string;
    interval?: string;
    rules: {
      record?: string;
      alert?: string;
      expr: string;
      for?: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    }[];
  }[];
}

export const RULE_FILES = [
  "prometheus/rules/chainwatch.rules.yaml",
  "prometheus/rules/model-drift.rules.yaml",
  "prometheus/rules/alert-delivery.rules.yaml",
  "prometheus/rules/chain-follower.rules.yaml",
];
export const DASHBOARD_FILES = ["grafana/dashboards/chainwatch.json"];
export const ADAPTER_VALUES = "k8s/monitoring/prometheus-adapter-values.yaml";

export interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: { type: string; uid: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: { refId: string; expr: string; datasource?: { type: string; uid: string } }[];
  panels?: Panel[];
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
}

export function dashboardPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

export interface AdapterValues {
  rules: {
    custom: {
      seriesQuery: string;
      name: { matches: string; as: string };
      metricsQuery: string;
    }[];
  };
}

/** Names recorded by `record:` rules: queries may use them like exported metrics. */
export function recordedNames(): Set<string> {
  return new Set(
    RULE_FILES.flatMap((file) =>
      parseYaml<RuleFile>(file).groups.flatMap((group) => group.rules.flatMap((rule) => rule.record ?? [])),
    ),
  );
}

export function allQueries(): Query[] {
  const queries: Query[] = [];
  for (const file of RULE_FILES) {
    for (const group of parseYaml<RuleFile>(file).groups) {
      for (const rule of group.rules) {
        queries.push({ source: `${file} ${rule.alert ?? rule.record}`, expr: rule.expr, group: group.name });
      }
    }
  }
  for (const file of DASHBOARD_FILES) {
    const dashboard = JSON.parse(readDeployFile(file)) as Dashboard;
    for (const panel of dashboardPanels(dashboard)) {
      for (const target of panel.targets ?? []) {
        queries.push({ source: `${file} "${panel.title}" ${target.refId}`, expr: target.expr });
      }
    }
  }
  for (const rule of parseYaml<AdapterValues>(ADAPTER_VALUES).rules.custom) {
    queries.push({ source: `${ADAPTER_VALUES} seriesQuery`, expr: rule.seriesQuery });
    queries.push({ source: `${ADAPTER_VALUES} metricsQuery`, expr: adapterQueryToPromql(rule) });
  }
  return queries;
}

/** prometheus-adapter's metricsQuery template made concrete for one pod, so it parses as PromQL. */
export function adapterQueryToPromql(rule: AdapterValues["rules"]["custom"][number]): string {
  const series = /^\^?([a-zA-Z_:][a-zA-Z0-9_:]*)\$?$/.exec(rule.name.matches)?.[1] ?? rule.name.matches;
  return rule.metricsQuery
    .replaceAll("<<.Series>>", series)
    .replaceAll("<<.LabelMatchers>>", 'namespace="chainwatch",pod="p"')
    .replaceAll("<<.GroupBy>>", "pod");
}
