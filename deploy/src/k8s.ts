import { existsSync, statSync } from "node:fs";
import { join, normalize, relative } from "node:path";
import { deployDir } from "./paths.ts";
import { parseYaml, parseYamlDocuments } from "./yaml-files.ts";

/** The parts of Kubernetes objects these checks read. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface Probe {
  httpGet?: { path: string; port: number | string };
  periodSeconds?: number;
  failureThreshold?: number;
}

export interface Container {
  name: string;
  image?: string;
  ports?: { name?: string; containerPort: number }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  securityContext?: Record<string, unknown>;
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    containers: Container[];
    terminationGracePeriodSeconds?: number;
    securityContext?: Record<string, unknown>;
    restartPolicy?: string;
  };
}

interface Kustomization {
  resources?: string[];
  namespace?: string;
  images?: { name: string; newName?: string; newTag?: string }[];
  configMapGenerator?: Generator[];
  secretGenerator?: Generator[];
  patches?: { path?: string; patch?: string }[];
}

interface Generator {
  name: string;
  behavior?: "create" | "merge" | "replace";
  literals?: string[];
}

export interface Rendered {
  objects: K8sObject[];
  /** Files each object came from, for messages. */
  files: string[];
  /** Patch documents of this level and the kinds/names they target. */
  patches: K8sObject[];
}

function literalsToData(literals: string[] = []): Record<string, string> {
  return Object.fromEntries(
    literals.map((literal) => {
      const index = literal.indexOf("=");
      return [literal.slice(0, index), literal.slice(index + 1)];
    }),
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Strategic-merge enough for these overlays: maps merge, lists of objects with a `name` merge by name,
 * other lists of objects merge by position, scalars and scalar lists are replaced.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (isPlainObject(target) && isPlainObject(patch)) {
    const merged: Record<string, unknown> = { ...target };
    for (const [key, value] of Object.entries(patch)) merged[key] = mergePatch(target[key], value);
    return merged;
  }
  if (Array.isArray(target) && Array.isArray(patch) && patch.every(isPlainObject)) {
    const byName = patch.every((item) => typeof item.name === "string");
    const result = [...target];
    patch.forEach((item, index) => {
      const at = byName
        ? result.findIndex((existing) => isPlainObject(existing) && existing.name === item.name)
        : index;
      if (at >= 0 && at < result.length) result[at] = mergePatch(result[at], item);
      else result.push(item);
    });
    return result;
  }
  return patch;
}

/**
 * Builds a kustomization the way `kubectl kustomize` does for the features used here (resources,
 * namespace, images, config map and secret generators from literals, strategic-merge patch files),
 * without hash suffixes. `kubectl kustomize` itself is not available in CI.
 */
export function buildKustomization(dir: string): Rendered {
  const kustomization = parseYaml<Kustomization>(join(dir, "kustomization.yaml"));
  let objects: K8sObject[] = [];
  const files: string[] = [];
  for (const resource of kustomization.resources ?? []) {
    const path = normalize(join(dir, resource));
    if (!existsSync(join(deployDir, path))) throw new Error(`${dir}: resource ${resource} does not exist`);
    if (statSync(join(deployDir, path)).isDirectory()) {
      const inner = buildKustomization(path);
      objects.push(...inner.objects);
      files.push(...inner.files);
    } else {
      for (const document of parseYamlDocuments(path)) {
        objects.push(document as K8sObject);
        files.push(path);
      }
    }
  }
  for (const generator of kustomization.configMapGenerator ?? []) {
    objects = applyGenerator(objects, files, "ConfigMap", generator, dir);
  }
  for (const generator of kustomization.secretGenerator ?? []) {
    objects = applyGenerator(objects, files, "Secret", generator, dir);
  }
  const patches: K8sObject[] = [];
  for (const patch of kustomization.patches ?? []) {
    if (!patch.path) throw new Error(`${dir}: only patch files are supported here`);
    for (const document of parseYamlDocuments(join(dir, patch.path))) {
      const patchObject = document as K8sObject;
      patches.push(patchObject);
      const index = objects.findIndex(
        (object) => object.kind === patchObject.kind && object.metadata.name === patchObject.metadata.name,
      );
      if (index < 0) {
        throw new Error(`${dir}/${patch.path}: no ${patchObject.kind} ${patchObject.metadata.name} to patch`);
      }
      objects[index] = mergePatch(objects[index], patchObject) as K8sObject;
    }
  }
  for (const image of kustomization.images ?? []) {
    for (const object of objects) {
      for (const container of podTemplateOf(object)?.spec.containers ?? []) {
        const [name, tag] = (container.image ?? "").split(":");
        if (name !== image.name) continue;
        container.image = `${image.newName ?? name}:${image.newTag ?? tag}`;
      }
    }
  }
  return { objects, files, patches };
}

function applyGenerator(
  objects: K8sObject[],
  files: string[],
  kind: "ConfigMap" | "Secret",
  generator: Generator,
  dir: string,
): K8sObject[] {
  const data = literalsToData(generator.literals);
  const index = objects.findIndex(
    (object) => object.kind === kind && object.metadata.name === generator.name,
  );
  if (generator.behavior === "merge" || generator.behavior === "replace") {
    if (index < 0)
      throw new Error(`${dir}: ${kind} ${generator.name} to ${generator.behavior} does not exist`);
    const existing = objects[index] as K8sObject;
    const field = kind === "Secret" ? "stringData" : "data";
    objects[index] = {
      ...existing,
      [field]: generator.behavior === "merge" ? { ...existing[field], ...data } : data,
    };
    return objects;
  }
  if (index >= 0) throw new Error(`${dir}: ${kind} ${generator.name} generated twice`);
  files.push(relative(deployDir, join(deployDir, dir, "kustomization.yaml")));
  return [
    ...objects,
    {
      apiVersion: "v1",
      kind,
      metadata: { name: generator.name },
      ...(kind === "Secret" ? { stringData: data } : { data }),
    },
  ];
}

/** The pod template of a Deployment, StatefulSet, DaemonSet, Job or CronJob. */
export function podTemplateOf(object: K8sObject): PodTemplate | undefined {
  const spec = object.spec as
    | { template?: PodTemplate; jobTemplate?: { spec?: { template?: PodTemplate } } }
    | undefined;
  if (object.kind === "CronJob") return spec?.jobTemplate?.spec?.template;
  if (["Deployment", "StatefulSet", "DaemonSet", "Job"].includes(object.kind)) return spec?.template;
  return undefined;
}

/** The environment a container sees: ConfigMap and Secret sources (by name), then its own env. */
export function containerEnv(container: Container, objects: K8sObject[]): Record<string, string> {
  const env: Record<string, string> = {};
  const find = (kind: string, name: string) =>
    objects.find((object) => object.kind === kind && object.metadata.name === name);
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, find("ConfigMap", source.configMapRef.name)?.data);
    if (source.secretRef) {
      const secret = find("Secret", source.secretRef.name);
      Object.assign(env, secret?.stringData);
      for (const [key, value] of Object.entries(secret?.data ?? {})) {
        env[key] = Buffer.from(value, "base64").toString("utf8");
      }
    }
  }
  for (const variable of container.env ?? []) env[variable.name] = variable.value ?? "";
  return env;
}

export const K8S_BASE = "k8s/base";
export const K8S_OVERLAYS = ["k8s/overlays/example"];
