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
 * EXPECTED LATER: metrics the deploy files may use before the code exports them. Empty now: the model
 * drift metrics (`model_drift_score{feature}`, `model_drift_detected`) arrived with the model-lifecycle
 * work, and the metric test checks them like any other. Add an entry here (with the work that will export
 * it) only for a metric that does not exist yet; the test fails once it does.
 */
export const EXPECTED_LATER: Record<string, ExpectedLater> = {};

/** The only rule group allowed to use EXPECTED_LATER metrics. */
export const EXPECTED_LATER_RULE_GROUP = "chainwatch-model-drift-expected-later";
