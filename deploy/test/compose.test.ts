import { describe, expect, it } from "vitest";
import { APP_NAMES, APPS, appPort } from "../src/apps.ts";
import { loadCompose, serviceEnv } from "../src/compose.ts";
import { type Dashboard, dashboardPanels } from "../src/queries.ts";
import { deployFiles, parseYaml, readDeployFile } from "../src/yaml-files.ts";

const compose = loadCompose();
const variables = {
  CHAINWATCH_JWT_SECRET: "3f9c2a7e51b04d8e9a6c1f0b72d5e83a4c9b1e6f07a2d58c3e9f1b4a6d7c2e05",
};
const envOf = (name: string) => serviceEnv(compose.services[name] ?? {}, variables);
const seconds = (duration: string | undefined) => Number(/^(\d+)s$/.exec(duration ?? "")?.[1] ?? 10);

describe("compose.yaml", () => {
  it("has the whole system: Kafka (KRaft), Redis, PostgreSQL, 2 gateways behind a proxy, 2 workers, warmer, 2 alert dispatchers, a chain follower, Prometheus, Grafana", () => {
    const services = compose.services;
    expect(Object.keys(services).sort()).toEqual(
      [
        "alert-dispatcher",
        "api-gateway",
        "cache-warmer",
        "chain-follower",
        "grafana",
        "kafka",
        "postgres",
        "prometheus",
        "proxy",
        "redis",
        "scoring-worker",
      ].sort(),
    );
    expect(services["api-gateway"]?.deploy?.replicas).toBe(2);
    expect(services["scoring-worker"]?.deploy?.replicas).toBe(2);
    expect(services["alert-dispatcher"]?.deploy?.replicas).toBe(2);
    // One follower per chain (no leader election), and only on request: it needs a node to follow.
    expect(services["chain-follower"]?.deploy?.replicas).toBeUndefined();
    expect(services["chain-follower"]?.profiles).toEqual(["chain"]);
    const kafka = serviceEnv(services.kafka ?? {}, {});
    expect(services.kafka?.image).toMatch(/^apache\/kafka:\d+\.\d+\.\d+$/);
    expect(kafka.KAFKA_PROCESS_ROLES).toBe("broker,controller");
    for (const [name, service] of Object.entries(services)) {
      if (service.image && !service.build) expect(service.image, name).not.toMatch(/:latest$|^[^:]+$/);
    }
  });

  it("points the apps at the compose services and the workers at partitions enough for both", () => {
    const kafkaPartitions = Number(serviceEnv(compose.services.kafka ?? {}, {}).KAFKA_NUM_PARTITIONS);
    expect(Number(envOf("scoring-worker").KAFKA_TOPIC_PARTITIONS)).toBe(kafkaPartitions);
    expect(kafkaPartitions).toBeGreaterThanOrEqual(compose.services["scoring-worker"]?.deploy?.replicas ?? 0);
    expect(envOf("scoring-worker").KAFKA_BROKERS).toBe("kafka:9092");
    for (const app of APP_NAMES) {
      // The alert dispatcher and the chain follower use no Redis (their schemas have no REDIS_URL).
      if (APPS[app].envKeys.has("REDIS_URL")) expect(envOf(app).REDIS_URL, app).toBe("redis://redis:6379");
      expect(envOf(app).DATABASE_URL, app).toMatch(/@postgres:5432\//);
    }
    expect(envOf("api-gateway").TRUST_PROXY).toBe("1");
    for (const key of ["KAFKA_BROKERS", "KAFKA_GROUP_ID", "KAFKA_TOPIC_PARTITIONS"]) {
      expect(envOf("api-gateway")[key], key).toBe(envOf("scoring-worker")[key]);
    }
    expect(Number(envOf("cache-warmer").WARM_INTERVAL_SECONDS)).toBeGreaterThan(0);
  });

  it("stops each app within its grace period", () => {
    for (const app of APP_NAMES) {
      const shutdownMs = Number(envOf(app).SHUTDOWN_TIMEOUT_MS ?? 25_000);
      expect(seconds(compose.services[app]?.stop_grace_period) * 1000, app).toBeGreaterThan(shutdownMs);
    }
  });

  it("scrapes each app on the port it listens on, by its service name", () => {
    const prometheus = parseYaml<{
      scrape_configs: {
        job_name: string;
        metrics_path?: string;
        dns_sd_configs?: { names: string[]; port: number }[];
      }[];
    }>("prometheus/prometheus.yaml");
    for (const app of APP_NAMES) {
      const job = prometheus.scrape_configs.find((scrape) => scrape.job_name === app);
      expect(job?.metrics_path).toBe("/metrics");
      expect(job?.dns_sd_configs).toEqual([
        expect.objectContaining({ names: [app], type: "A", port: appPort(APPS[app], envOf(app)) }),
      ]);
    }
    expect(compose.services.prometheus?.volumes).toEqual(
      expect.arrayContaining([
        "./prometheus/prometheus.yaml:/etc/prometheus/prometheus.yaml:ro",
        "./prometheus/rules:/etc/prometheus/rules:ro",
      ]),
    );
  });

  it("balances the gateways through nginx on the gateway port, keeping /metrics private", () => {
    const nginx = readDeployFile("nginx/nginx.conf");
    expect(nginx).toContain(
      `server api-gateway:${appPort(APPS["api-gateway"], envOf("api-gateway"))} resolve;`,
    );
    expect(nginx).toMatch(/location = \/metrics \{\s*return 404;/);
    expect(compose.services.proxy?.volumes).toContain("./nginx/nginx.conf:/etc/nginx/nginx.conf:ro");
    expect(compose.services.proxy?.depends_on).toMatchObject({
      "api-gateway": { condition: "service_healthy" },
    });
  });

  it("provisions Grafana with the Prometheus datasource the dashboard names", () => {
    const datasources = parseYaml<{ datasources: { uid: string; type: string; url: string }[] }>(
      "grafana/provisioning/datasources/prometheus.yaml",
    ).datasources;
    const providers = parseYaml<{ providers: { options: { path: string } }[] }>(
      "grafana/provisioning/dashboards/chainwatch.yaml",
    ).providers;
    expect(compose.services.grafana?.volumes).toEqual(
      expect.arrayContaining([
        "./grafana/provisioning:/etc/grafana/provisioning:ro",
        `./grafana/dashboards:${providers[0]?.options.path}:ro`,
      ]),
    );
    expect(datasources[0]?.url).toBe("http://prometheus:9090");
    const dashboards = deployFiles().filter((file) => file.startsWith("grafana/dashboards/"));
    expect(dashboards.length).toBeGreaterThan(0);
    for (const file of dashboards) {
      const dashboard = JSON.parse(readDeployFile(file)) as Dashboard;
      for (const panel of dashboardPanels(dashboard)) {
        for (const target of panel.targets ?? []) {
          expect(target.datasource?.uid ?? panel.datasource?.uid, `${panel.title}`).toBe(datasources[0]?.uid);
        }
      }
    }
  });
});

describe("the Grafana dashboard", () => {
  const dashboard = JSON.parse(readDeployFile("grafana/dashboards/chainwatch.json")) as Dashboard;
  const panels = dashboardPanels(dashboard);

  it("has unique panel ids, positions on the 24-column grid, and a query or text in every panel", () => {
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const panel of panels) {
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
      if (panel.type === "row" || panel.type === "text") continue;
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      expect(panel.description, panel.title).toBeTruthy();
    }
  });

  it("shows what the issue asks for", () => {
    const titles = panels.map((p) => p.title);
    for (const title of [
      "Request rate by route",
      "Latency by route (p50 / p95 / p99)",
      "Errors by route and status",
      "Scoring throughput",
      "Anomalies by severity",
      "Consumer lag by partition",
      "Cache hit rate by type",
      "Dead-lettered messages by reason",
      "Model version in use",
      "Drift score by feature",
    ]) {
      expect(titles).toContain(title);
    }
    const byTitle = (title: string) => panels.find((p) => p.title === title)?.targets?.[0]?.expr ?? "";
    expect(byTitle("Request rate by route")).toMatch(/sum by \(route\)/);
    expect(byTitle("Consumer lag by partition")).toMatch(/by \(topic, partition\)/);
    expect(byTitle("Cache hit rate by type")).toMatch(/by \(cache_type\)/);
    expect(byTitle("Anomalies by severity")).toMatch(/by \(severity\)/);
  });
});
