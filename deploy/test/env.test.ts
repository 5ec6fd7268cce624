import { describe, expect, it } from "vitest";
import { APP_NAMES, APPS, type AppName, isAppName, readEnvExample } from "../src/apps.ts";
import { buildArgs, interpolate, loadCompose, serviceEnv } from "../src/compose.ts";
import { DOCKERFILE } from "../src/image-context.ts";
import {
  buildKustomization,
  containerEnv,
  K8S_BASE,
  K8S_OVERLAYS,
  type K8sObject,
  podTemplateOf,
} from "../src/k8s.ts";

/** What `openssl rand -hex 32` prints: what a deployment puts where the examples leave a placeholder. */
const GENERATED_SECRET = "3f9c2a7e51b04d8e9a6c1f0b72d5e83a4c9b1e6f07a2d58c3e9f1b4a6d7c2e05";

/** What `docker compose` needs from the shell to start (compose.yaml's header). */
const COMPOSE_VARIABLES = { CHAINWATCH_JWT_SECRET: GENERATED_SECRET };

function unknownKeys(app: AppName, env: Record<string, string>): string[] {
  return Object.keys(env).filter((key) => !APPS[app].envKeys.has(key));
}

function workloads(objects: K8sObject[]) {
  return objects.flatMap((object) => {
    const template = podTemplateOf(object);
    const app = template?.metadata?.labels?.["app.kubernetes.io/name"];
    if (!template || app === undefined) return [];
    if (!isAppName(app)) throw new Error(`${object.kind} ${object.metadata.name}: unknown app ${app}`);
    return template.spec.containers.map((container) => ({ object, app, container }));
  });
}

/**
 * What an operator must add to an example before the app starts: a follower has no chain to default to, so
 * its example shows the node's URL and chain id commented out.
 */
const OPERATOR_SETS: Partial<Record<AppName, Record<string, string>>> = {
  "chain-follower": { CHAIN_RPC_URL: "http://127.0.0.1:8545", CHAIN_ID: "31337" },
};

describe("each app's .env.example", () => {
  it.each(APP_NAMES)("%s: documents only variables its env schema has", (name) => {
    const { set, commented } = readEnvExample(APPS[name].envExample);
    const unknown = [...set.keys(), ...commented].filter((key) => !APPS[name].envKeys.has(key));
    expect(unknown).toEqual([]);
    const required = OPERATOR_SETS[name] ?? {};
    for (const key of Object.keys(required)) expect(commented.has(key), key).toBe(true);
    expect(() => APPS[name].loadEnv({ ...Object.fromEntries(set), ...required })).not.toThrow();
  });

  it("chain-follower: refuses to start without the node to follow", () => {
    const { set } = readEnvExample(APPS["chain-follower"].envExample);
    expect(() => APPS["chain-follower"].loadEnv(Object.fromEntries(set))).toThrow(/CHAIN_RPC_URL/);
  });
});

describe("compose.yaml", () => {
  const compose = loadCompose();
  const appServices = Object.entries(compose.services).filter(([, service]) => service.build !== undefined);

  it("builds each app from the one Dockerfile with APP set to the service's name", () => {
    expect(appServices.map(([name]) => name).sort()).toEqual([...APP_NAMES].sort());
    for (const [name, service] of appServices) {
      expect(service.build?.context, name).toBe("..");
      expect(service.build?.dockerfile, name).toBe(DOCKERFILE);
      // NODE_BASE_DIGEST without a value: passed through when exported, else the Dockerfile's pin applies.
      expect(buildArgs(service), name).toEqual({ APP: name, NODE_BASE_DIGEST: undefined });
      expect(service.image, name).toBe(`chainwatch/${name}:local`);
    }
  });

  it.each(APP_NAMES)("%s: every variable is in the app's env schema, and the set parses", (name) => {
    const service = compose.services[name];
    expect(service).toBeDefined();
    const env = serviceEnv(service ?? {}, COMPOSE_VARIABLES);
    expect(unknownKeys(name, env)).toEqual([]);
    expect(() => APPS[name].loadEnv(env)).not.toThrow();
  });

  it("refuses to start the gateways without a shared JWT secret", () => {
    expect(() => serviceEnv(compose.services["api-gateway"] ?? {}, {})).toThrow(/CHAINWATCH_JWT_SECRET/);
  });

  it("interpolates the way docker compose does", () => {
    // "${" spelled out: these are compose expressions, not JavaScript templates.
    const v = (inner: string) => `$${"{"}${inner}}`;
    expect(interpolate(`a${v("X:-d")}b$${v("Y")}`, {})).toBe(`adb${v("Y")}`);
    expect(interpolate(v("X:-d"), { X: "" })).toBe("d");
    expect(interpolate(v("X-d"), { X: "" })).toBe("");
    expect(interpolate(`$X/${v("X")}`, { X: "v" })).toBe("v/v");
    expect(() => interpolate(v("X:?say why"), {})).toThrow(/say why/);
  });
});

describe.each([K8S_BASE, ...K8S_OVERLAYS])("Kubernetes %s", (dir) => {
  const { objects } = buildKustomization(dir);
  const isOverlay = dir !== K8S_BASE;

  it("runs every app", () => {
    expect(new Set(workloads(objects).map((w) => w.app))).toEqual(new Set(APP_NAMES));
  });

  it("sets only variables the apps' env schemas have, from ConfigMaps and Secrets that exist", () => {
    for (const { object, app, container } of workloads(objects)) {
      for (const source of container.envFrom ?? []) {
        const ref = source.configMapRef ?? source.secretRef;
        const kind = source.configMapRef ? "ConfigMap" : "Secret";
        const exists = objects.some((o) => o.kind === kind && o.metadata.name === ref?.name);
        // The base leaves Secrets to the overlay (no secret values in the base).
        if (isOverlay || kind === "ConfigMap")
          expect(exists, `${object.metadata.name}: ${kind} ${ref?.name}`).toBe(true);
      }
      expect(
        unknownKeys(app, containerEnv(container, objects)),
        `${object.kind} ${object.metadata.name}`,
      ).toEqual([]);
    }
    for (const object of objects.filter((o) => o.kind === "ConfigMap" || o.kind === "Secret")) {
      const app = object.metadata.name;
      expect(isAppName(app), `${object.kind} ${app} belongs to an app`).toBe(true);
      if (!isAppName(app)) continue;
      expect(unknownKeys(app, { ...object.data, ...object.stringData }), `${object.kind} ${app}`).toEqual([]);
    }
  });

  it("gives each app an environment its own loadEnv accepts", () => {
    // The base has no Secrets: stand in for the one an overlay must provide.
    const secrets: Record<string, string> = isOverlay
      ? {}
      : { DATABASE_URL: "postgres://chainwatch@postgres:5432/chainwatch", JWT_SECRET: GENERATED_SECRET };
    for (const { app, container } of workloads(objects)) {
      const env = { ...secrets, ...containerEnv(container, objects) };
      // The example overlay ships a placeholder secret: the gateway must refuse it until it is replaced.
      if (isOverlay && app === "api-gateway") {
        expect(() => APPS[app].loadEnv(env), app).toThrow(/JWT_SECRET .*placeholder/);
        env.JWT_SECRET = GENERATED_SECRET;
      }
      expect(() => APPS[app].loadEnv(env), app).not.toThrow();
    }
  });

  it("carries every variable the .env.example files set (ConfigMap, or Secret in the overlay)", () => {
    for (const { app, container } of workloads(objects)) {
      const env = containerEnv(container, objects);
      const { set } = readEnvExample(APPS[app].envExample);
      const secretKeys = ["DATABASE_URL", "JWT_SECRET", "BOOTSTRAP_ADMIN_API_KEY"];
      const missing = [...set.keys()].filter(
        (key) => !(key in env) && !(!isOverlay && secretKeys.includes(key)),
      );
      expect(
        missing,
        `${app}: set in ${APPS[app].envExample} but not in the pod's environment; add to deploy/k8s/base/${app}/configmap.yaml (or the overlay's Secret)`,
      ).toEqual([]);
    }
  });

  if (isOverlay) {
    it("shares one JWT secret across gateway replicas and gives every app its database", () => {
      for (const { app, container } of workloads(objects)) {
        const env = containerEnv(container, objects);
        expect(env.DATABASE_URL, app).toMatch(/^postgres:\/\//);
        if (app === "api-gateway") expect(env.JWT_SECRET?.length).toBeGreaterThanOrEqual(32);
      }
    });
  }
});
