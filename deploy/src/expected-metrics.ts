/**
 * Metric names the deploy files may use although no running app exports them, each with its reason.
 * Everything else in an alert rule, a dashboard panel or an autoscaling query must appear in the /metrics
 * output of a running gateway, worker or warmer (deploy/test/metric-names.int.test.ts).
 */

/** Series Prometheus itself records for every scrape target. */
export const PROMETHEUS_SERIES: Record<string, string> = {
  up: "1 when the last scrape of the target succeeded, recorded by Prometheus per target",
};

export interface ExpectedLater {
  /** Work that will export the metric. */
  comesWith: string;
  /** Deploy files that use it. */
  usedIn: string[];
}

/**
 * EXPECTED LATER: used by the rule group `chainwatch-model-drift-expected-later` and the dashboard's drift
 * panels before the code exports them. The metric test fails when one of these appears in a running app's
 * /metrics, so the entry is removed (and the rule group renamed) once the metric exists.
 */
export const EXPECTED_LATER: Record<string, ExpectedLater> = {
  model_drift_score: {
    comesWith:
      "model-lifecycle work: drift of one feature against its training distribution, label `feature`",
    usedIn: ["prometheus/rules/model-drift.rules.yaml", "grafana/dashboards/chainwatch.json"],
  },
  model_drift_detected: {
    comesWith: "model-lifecycle work: 1 while drift is detected",
    usedIn: ["prometheus/rules/model-drift.rules.yaml", "grafana/dashboards/chainwatch.json"],
  },
};

/** The only rule group allowed to use EXPECTED_LATER metrics. */
export const EXPECTED_LATER_RULE_GROUP = "chainwatch-model-drift-expected-later";
