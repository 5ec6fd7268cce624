import { DEFAULT_PARTITIONS, DEFAULT_STREAM_TOPICS } from "@chainwatch/kafka";
import { describe, expect, it } from "vitest";
import { APPS, type AppName, appPort, isAppName } from "../src/apps.ts";
import {
  buildKustomization,
  type Container,
  containerEnv,
  K8S_BASE,
  K8S_OVERLAYS,
  type K8sObject,
  mergePatch,
  type PodTemplate,
  podTemplateOf,
} from "../src/k8s.ts";
import { ADAPTER_VALUES, type AdapterValues } from "../src/queries.ts";
import { parseYaml } from "../src/yaml-files.ts";

const STAND_IN_SECRETS = { DATABASE_URL: "postgres://chainwatch@postgres:5432/chainwatch" };

interface Workload {
  object: K8sObject;
  app: AppName;
  template: PodTemplate;
  container: Container;
  env: Record<string, string>;
}

function workloadsOf(objects: K8sObject[]): Workload[] {
  return objects.flatMap((object) => {
    const template = podTemplateOf(object);
    const app = template?.metadata?.labels?.["app.kubernetes.io/name"];
    if (!template || !app || !isAppName(app)) return [];
    const [container] = template.spec.containers;
    if (!container) return [];
    return [
      { object, app, template, container, env: { ...STAND_IN_SECRETS, ...containerEnv(container, objects) } },
    ];
  });
}

const labelsMatch = (
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
) => selector !== undefined && Object.entries(selector).every(([key, value]) => labels?.[key] === value);

function resolvePort(container: Container, port: number | string | undefined): number | undefined {
  if (typeof port === "number") return port;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

function preStopSleepSeconds(container: Container): number {
  const command = container.lifecycle?.preStop?.exec?.command ?? [];
  return command[0] === "sleep" ? Number(command[1]) : 0;
}

describe.each([K8S_BASE, ...K8S_OVERLAYS])("Kubernetes %s", (dir) => {
  const { objects } = buildKustomization(dir);
  const workloads = workloadsOf(objects);
  const find = <T extends K8sObject = K8sObject>(kind: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata.name === name) as T | undefined;
  const deployments = workloads.filter((w) => w.object.kind === "Deployment");

  it("runs the gateway, the worker, the alert dispatcher and the chain follower as Deployments and the warmer as a CronJob in job mode", () => {
    expect(deployments.map((w) => w.app).sort()).toEqual([
      "alert-dispatcher",
      "api-gateway",
      "chain-follower",
      "scoring-worker",
    ]);
    const warmer = workloads.find((w) => w.app === "cache-warmer");
    expect(warmer?.object.kind).toBe("CronJob");
    expect(warmer?.env.WARM_INTERVAL_SECONDS).toBe("0");
    expect(warmer?.template.spec.restartPolicy).toBe("Never");
    expect(warmer?.container.readinessProbe ?? warmer?.container.livenessProbe).toBeUndefined();
  });

  it.each(["api-gateway", "scoring-worker", "alert-dispatcher", "chain-follower"] as const)(
    "%s: readiness on /health/ready and liveness on /health/live, on the app's port",
    (name) => {
      const workload = deployments.find((w) => w.app === name);
      if (!workload) throw new Error(`no ${name} Deployment`);
      const { container, env } = workload;
      const port = appPort(APPS[name], env);
      expect(container.ports?.map((p) => p.containerPort)).toEqual([port]);
      expect(container.readinessProbe?.httpGet?.path).toBe("/health/ready");
      expect(container.livenessProbe?.httpGet?.path).toBe("/health/live");
      for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
        if (!probe) continue;
        expect(APPS[name].healthPaths).toContain(probe.httpGet?.path);
        expect(resolvePort(container, probe.httpGet?.port)).toBe(port);
      }
      const annotations = workload.template.metadata?.annotations ?? {};
      expect(annotations["prometheus.io/scrape"]).toBe("true");
      expect(Number(annotations["prometheus.io/port"])).toBe(port);
      expect(annotations["prometheus.io/path"]).toBe("/metrics");
    },
  );

  it("gives every pod a grace period longer than its preStop sleep plus SHUTDOWN_TIMEOUT_MS", () => {
    expect(workloads).toHaveLength(5);
    for (const { app, template, container, env } of workloads) {
      const shutdownMs = Number(env.SHUTDOWN_TIMEOUT_MS ?? 25_000);
      const graceMs = (template.spec.terminationGracePeriodSeconds ?? 30) * 1000;
      expect(graceMs, app).toBeGreaterThan(preStopSleepSeconds(container) * 1000 + shutdownMs);
    }
  });

  it("sets requests and limits, and runs as the image's non-root user on a read-only filesystem", () => {
    for (const { app, template, container } of workloads) {
      for (const kind of ["requests", "limits"] as const) {
        expect(container.resources?.[kind]?.cpu, `${app} ${kind}.cpu`).toBeTruthy();
        expect(container.resources?.[kind]?.memory, `${app} ${kind}.memory`).toBeTruthy();
      }
      expect(template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(container.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
      });
    }
  });

  const coveringPdbs = (template: PodTemplate) =>
    objects.filter(
      (o) =>
        o.kind === "PodDisruptionBudget" &&
        labelsMatch(
          (o.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels,
          template.metadata?.labels,
        ),
    );

  it("leaves the replica count to the autoscalers and covers each Deployment with a PodDisruptionBudget", () => {
    for (const { object, template } of deployments) {
      if (object.metadata.name === "chain-follower") continue;
      expect((object.spec as { replicas?: number }).replicas, object.metadata.name).toBeUndefined();
      expect(coveringPdbs(template), object.metadata.name).toHaveLength(1);
    }
  });

  it("runs exactly one chain follower: 1 replica, never two during a rollout, nothing that scales it", () => {
    const follower = deployments.find((w) => w.app === "chain-follower");
    if (!follower) throw new Error("no chain-follower Deployment");
    const spec = follower.object.spec as { replicas?: number; strategy?: { type: string } };
    expect(spec.replicas).toBe(1);
    expect(spec.strategy).toEqual({ type: "Recreate" });
    const scalers = objects.filter(
      (o) =>
        (o.kind === "HorizontalPodAutoscaler" || o.kind === "ScaledObject") &&
        (o.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name === "chain-follower",
    );
    expect(scalers).toEqual([]);
    expect(coveringPdbs(follower.template)).toEqual([]);
  });

  it("lets the chain follower publish to the topic the workers consume, and reach its node", () => {
    const follower = deployments.find((w) => w.app === "chain-follower")?.env ?? {};
    const worker = deployments.find((w) => w.app === "scoring-worker")?.env ?? {};
    for (const key of ["KAFKA_BROKERS", "KAFKA_TOPIC_TRANSACTIONS", "KAFKA_TOPIC_PARTITIONS"]) {
      expect(follower[key], key).toBe(worker[key]);
    }
    type Policy = K8sObject & { spec: { egress?: { ports?: { port: number }[] }[] } };
    const policy = find<Policy>("NetworkPolicy", "chain-follower");
    const egressPorts = (policy?.spec.egress ?? []).flatMap((rule) => rule.ports?.map((p) => p.port) ?? []);
    for (const url of (follower.CHAIN_RPC_URL ?? "").split(",")) {
      const { protocol, port } = new URL(url);
      const effective = port === "" ? (protocol === "https:" ? 443 : 80) : Number(port);
      expect(egressPorts, url).toContain(effective);
    }
    expect(egressPorts).toEqual(expect.arrayContaining([9092, 5432]));
  });

  it("scales the gateway on CPU and on request rate served by prometheus-adapter", () => {
    type Hpa = K8sObject & {
      spec: {
        scaleTargetRef: { kind: string; name: string };
        minReplicas: number;
        maxReplicas: number;
        metrics: { type: string; resource?: { name: string }; pods?: { metric: { name: string } } }[];
      };
    };
    const hpa = find<Hpa>("HorizontalPodAutoscaler", "api-gateway");
    expect(hpa?.spec.scaleTargetRef).toMatchObject({ kind: "Deployment", name: "api-gateway" });
    expect(hpa?.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa?.spec.metrics.find((m) => m.type === "Resource")?.resource?.name).toBe("cpu");
    const podsMetric = hpa?.spec.metrics.find((m) => m.type === "Pods")?.pods?.metric.name;
    const served = parseYaml<AdapterValues>(ADAPTER_VALUES).rules.custom.map((rule) => rule.name.as);
    expect(served).toContain(podsMetric);
    const pdb = find("PodDisruptionBudget", "api-gateway")?.spec as { minAvailable: number };
    expect(pdb.minAvailable).toBeLessThan(hpa?.spec.minReplicas ?? 0);
  });

  it("scales the workers with KEDA on the group's lag, capped at the partition count", () => {
    type ScaledObject = K8sObject & {
      spec: {
        scaleTargetRef: { name: string };
        minReplicaCount: number;
        maxReplicaCount: number;
        triggers: { type: string; metadata: Record<string, string> }[];
      };
    };
    const scaled = find<ScaledObject>("ScaledObject", "scoring-worker");
    const worker = deployments.find((w) => w.app === "scoring-worker");
    expect(scaled?.spec.scaleTargetRef.name).toBe(worker?.object.metadata.name);
    const env = worker?.env ?? {};
    const partitions = Number(env.KAFKA_TOPIC_PARTITIONS ?? DEFAULT_PARTITIONS);
    expect(partitions).toBe(6);
    expect(scaled?.spec.maxReplicaCount).toBe(partitions);
    expect(scaled?.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    const [trigger] = scaled?.spec.triggers ?? [];
    expect(trigger?.type).toBe("kafka");
    expect(trigger?.metadata).toMatchObject({
      bootstrapServers: env.KAFKA_BROKERS,
      consumerGroup: env.KAFKA_GROUP_ID ?? "chainwatch-scoring",
      topic: env.KAFKA_TOPIC_TRANSACTIONS ?? DEFAULT_STREAM_TOPICS.transactions,
      offsetResetPolicy: (env.KAFKA_FROM_BEGINNING ?? "true") === "true" ? "earliest" : "latest",
      allowIdleConsumers: "false",
    });
    expect(Number(trigger?.metadata.lagThreshold)).toBeGreaterThan(0);
  });

  it("lets the gateway publish to the topic and group the workers consume", () => {
    const gateway = deployments.find((w) => w.app === "api-gateway")?.env ?? {};
    const worker = deployments.find((w) => w.app === "scoring-worker")?.env ?? {};
    for (const key of [
      "KAFKA_BROKERS",
      "KAFKA_GROUP_ID",
      "KAFKA_TOPIC_TRANSACTIONS",
      "KAFKA_TOPIC_PARTITIONS",
    ]) {
      expect(gateway[key], key).toBe(worker[key]);
    }
  });

  it("exposes the gateway through a Service on its named port", () => {
    const service = find("Service", "api-gateway")?.spec as {
      selector: Record<string, string>;
      ports: { port: number; targetPort: string }[];
    };
    const gateway = deployments.find((w) => w.app === "api-gateway");
    expect(labelsMatch(service.selector, gateway?.template.metadata?.labels)).toBe(true);
    expect(resolvePort(gateway?.container as Container, service.ports[0]?.targetPort)).toBe(
      appPort(APPS["api-gateway"], gateway?.env ?? {}),
    );
  });

  it("denies by default and opens only the apps' own ports", () => {
    type Policy = K8sObject & {
      spec: {
        podSelector: { matchLabels?: Record<string, string> };
        policyTypes: string[];
        ingress?: { ports?: { port: number }[] }[];
      };
    };
    const policies = objects.filter((o) => o.kind === "NetworkPolicy") as Policy[];
    const deny = policies.find((p) => p.metadata.name === "default-deny");
    expect(deny?.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    for (const policy of policies) {
      const selector = policy.spec.podSelector.matchLabels;
      if (!selector) continue;
      const selected = workloads.filter((w) => labelsMatch(selector, w.template.metadata?.labels));
      expect(selected.length, `${policy.metadata.name} selects a workload`).toBeGreaterThan(0);
      const ports = new Set(selected.flatMap((w) => w.container.ports?.map((p) => p.containerPort) ?? []));
      for (const rule of policy.spec.ingress ?? []) {
        for (const port of rule.ports ?? [])
          expect(ports.has(port.port), `${policy.metadata.name} ${port.port}`).toBe(true);
      }
    }
    for (const workload of workloads) {
      expect(
        policies.some((p) => labelsMatch(p.spec.podSelector.matchLabels, workload.template.metadata?.labels)),
        `${workload.app} has its own NetworkPolicy`,
      ).toBe(true);
    }
  });

  if (dir !== K8S_BASE) {
    it("routes the ingress to the gateway Service's named port", () => {
      type Ingress = K8sObject & {
        spec: {
          rules: {
            http: {
              paths: { path: string; backend: { service: { name: string; port: { name: string } } } }[];
            };
          }[];
        };
      };
      const ingress = objects.find((o) => o.kind === "Ingress") as Ingress | undefined;
      const paths = ingress?.spec.rules.flatMap((rule) => rule.http.paths) ?? [];
      expect(paths.length).toBeGreaterThan(0);
      for (const { path, backend } of paths) {
        const service = find("Service", backend.service.name)?.spec as
          | { ports: { name: string }[] }
          | undefined;
        expect(
          service?.ports.map((p) => p.name),
          path,
        ).toContain(backend.service.port.name);
        expect("/metrics".startsWith(path), `${path} would publish /metrics`).toBe(false);
      }
    });

    it("sets the namespace and points every image at a registry and a release tag", () => {
      expect(find("Namespace", "chainwatch")).toBeDefined();
      for (const { app, container } of workloads) {
        expect(container.image, app).toMatch(
          new RegExp(`^[a-z0-9.-]+\\.[a-z]+/chainwatch/${app}:\\d+\\.\\d+\\.\\d+$`),
        );
      }
    });
  }
});

describe("the kustomize subset used by these tests", () => {
  it("merges lists of named objects by name and others by position", () => {
    expect(
      mergePatch(
        {
          containers: [{ name: "a", image: "x", ports: [1] }, { name: "b" }],
          triggers: [{ type: "k", m: { a: 1 } }],
        },
        { containers: [{ name: "a", image: "y" }], triggers: [{ m: { b: 2 } }] },
      ),
    ).toEqual({
      containers: [{ name: "a", image: "y", ports: [1] }, { name: "b" }],
      triggers: [{ type: "k", m: { a: 1, b: 2 } }],
    });
  });

  it("refuses a patch whose target does not exist", () => {
    expect(() => buildKustomization("test/fixtures/bad-overlay")).toThrow(/no Deployment missing to patch/);
  });
});
