import { readFileSync } from "node:fs";
import type { Cache } from "@chainwatch/cache";
import type { ScoringMetrics } from "@chainwatch/metrics";
import {
  createScorer,
  describeModel,
  type ModelFile,
  parseModelFile,
  type Scorer,
  serializeModel,
} from "@chainwatch/model";
import type { Component, Logger } from "@chainwatch/service-kit";
import type { ActiveModelSet, ModelRegistry } from "@chainwatch/store";
import { type ModelProvider, mutableModelProvider, type ServingModels } from "./model-provider.ts";

export interface RegistryModelProviderOptions {
  registry: Pick<ModelRegistry, "activeSet" | "get">;
  /** How often `activeSet()` is polled. Pick-up bound for a registry change = this + one model load. */
  intervalMs: number;
  logger: Logger;
  metrics?: ScoringMetrics;
  /** When given, the active model file is kept under the `model` cache type (its TTL, 24 h by default). */
  cache?: Cache;
  /**
   * Model files already parsed and verified in this process (the one just bootstrapped): used when the
   * registry names the same version and checksum, saving a read and a second verification at start.
   */
  preloaded?: readonly { model: ModelFile; fileJson: string }[];
}

interface LoadedModel {
  scorer: Scorer;
  model: ModelFile;
  fileJson: string;
}

/**
 * The serving set, read from the model registry (the single source of truth) and kept current by polling
 * `activeSet()` every `intervalMs`. When the set's `revision` moves, the files of versions not yet loaded
 * are read (`registry.get`) and verified (`parseModelFile` checks the checksum; the registry row's version
 * and checksum must match the file's); only when every one of them verifies is the new set swapped in, as a
 * whole. A refused file leaves the previous set serving (logged once per revision, counted in
 * `model_registry_reloads_total{outcome="refused"}`) and is retried at the next poll.
 */
export interface RegistryModelProvider extends ModelProvider, Component {
  /** One poll now: true when a new set was swapped in. Throws when nothing is loaded yet and loading fails. */
  refresh(): Promise<boolean>;
  /** The revision of the set serving now (null before the first load). */
  revision(): string | null;
  /** The registry's set as last loaded. */
  loadedSet(): ActiveModelSet | null;
  /** The active model's file (drift detection needs the reference inside it). */
  activeModel(): ModelFile;
  /** The active model's file exactly as stored (the cache warmer copies it into the `model` cache). */
  activeFileJson(): string;
}

export class ModelLoadError extends Error {
  readonly code = "MODEL_LOAD_REFUSED";
  readonly version: string;
  constructor(version: string, message: string, options?: { cause?: unknown }) {
    super(`model ${version}: ${message}`, options);
    this.name = "ModelLoadError";
    this.version = version;
  }
}

export function createRegistryModelProvider(options: RegistryModelProviderOptions): RegistryModelProvider {
  const { registry, logger, metrics, cache } = options;
  /** Loaded scorers by version + checksum: a rollback to a recently served version costs no load. */
  let loaded = new Map<string, LoadedModel>();
  const preloaded = new Map(
    (options.preloaded ?? []).map((entry) => [
      `${entry.model.modelVersion}:${entry.model.checksum.value}`,
      entry,
    ]),
  );
  let provider: (ModelProvider & { set(models: ServingModels): void }) | undefined;
  let current: { set: ActiveModelSet; active: LoadedModel } | undefined;
  let refusedRevision: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<boolean> | undefined;

  const keyOf = (entry: { version: string; checksum: string }) => `${entry.version}:${entry.checksum}`;

  async function load(entry: { version: string; checksum: string }): Promise<LoadedModel> {
    const existing = loaded.get(keyOf(entry));
    if (existing) return existing;
    const known = preloaded.get(keyOf(entry));
    if (known) {
      preloaded.delete(keyOf(entry));
      return { scorer: createScorer(known.model), ...known };
    }
    const record = await registry.get(entry.version);
    if (!record) throw new ModelLoadError(entry.version, "not registered");
    if (record.fileJson === null) throw new ModelLoadError(entry.version, "registered without a file");
    let model: ModelFile;
    try {
      model = parseModelFile(record.fileJson);
    } catch (cause) {
      throw new ModelLoadError(entry.version, `file refused: ${(cause as Error).message}`, { cause });
    }
    if (model.modelVersion !== entry.version || model.checksum.value !== entry.checksum) {
      throw new ModelLoadError(
        entry.version,
        `file is ${model.modelVersion} (checksum ${model.checksum.value.slice(0, 12)}…), the registry says ${entry.version} (${entry.checksum.slice(0, 12)}…)`,
      );
    }
    return { scorer: createScorer(model), model, fileJson: record.fileJson };
  }

  async function reload(): Promise<boolean> {
    const set = await registry.activeSet();
    if (current && set.revision === current.set.revision) return false;
    if (!set.active) {
      if (!current) throw new ModelLoadError("(none)", "the registry has no active model");
      if (refusedRevision !== set.revision) {
        logger.error({ revision: set.revision }, "registry has no active model; keeping the previous set");
        metrics?.modelRegistryReloadsTotal.inc({ outcome: "refused" });
        refusedRevision = set.revision;
      }
      return false;
    }
    const started = performance.now();
    let active: LoadedModel;
    let canary: LoadedModel | null;
    let shadows: LoadedModel[];
    try {
      active = await load(set.active);
      canary = set.canary ? await load(set.canary) : null;
      shadows = [];
      for (const shadow of set.shadows) shadows.push(await load(shadow));
    } catch (error) {
      if (!current) throw error;
      if (refusedRevision !== set.revision) {
        logger.error(
          { err: error, revision: set.revision, serving: current.set.revision },
          "model set refused; keeping the previous set",
        );
        metrics?.modelRegistryReloadsTotal.inc({
          outcome: error instanceof ModelLoadError ? "refused" : "error",
        });
        refusedRevision = set.revision;
      }
      return false;
    }

    const models: ServingModels = {
      active: active.scorer,
      canary: canary && set.canary ? { scorer: canary.scorer, percent: set.canary.trafficPercent } : null,
      shadows: shadows.map((shadow) => shadow.scorer),
    };
    if (provider) provider.set(models);
    else provider = mutableModelProvider(models);
    // Keep what serves now and what served just before (a rollback target), drop the rest.
    const next = new Map<string, LoadedModel>();
    const keep = [set.active, set.canary, ...set.shadows, current?.set.active, current?.set.canary];
    for (const entry of keep) {
      if (!entry) continue;
      const model =
        loaded.get(keyOf(entry)) ??
        [active, canary, ...shadows].find(
          (m) => m?.model.modelVersion === entry.version && m.model.checksum.value === entry.checksum,
        );
      if (model) next.set(keyOf(entry), model);
    }
    loaded = next;
    const previous = current?.set;
    current = { set, active };
    refusedRevision = undefined;
    metrics?.modelRegistryReloadsTotal.inc({ outcome: "ok" });
    logger.info(
      {
        revision: set.revision,
        active: set.active.version,
        canary: set.canary ? `${set.canary.version}@${set.canary.trafficPercent}%` : null,
        shadows: set.shadows.map((shadow) => shadow.version),
        previousActive: previous?.active?.version ?? null,
        loadMs: Math.round(performance.now() - started),
      },
      "model set loaded",
    );
    if (cache) {
      void cache
        .set("model", set.active.version, active.fileJson)
        .then(() => cache.set("model", "active", set.active?.version));
    }
    return true;
  }

  function refresh(): Promise<boolean> {
    inFlight ??= reload().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  const requireProvider = () => {
    if (!provider) throw new Error("no model loaded yet: await refresh() or start() first");
    return provider;
  };

  return {
    current: () => requireProvider().current(),
    serving: () => requireProvider().serving(),
    refresh,
    revision: () => current?.set.revision ?? null,
    loadedSet: () => current?.set ?? null,
    activeModel() {
      if (!current) throw new Error("no model loaded yet");
      return current.active.model;
    },
    activeFileJson() {
      if (!current) throw new Error("no model loaded yet");
      return current.active.fileJson;
    },
    async start() {
      if (!current) await refresh();
      timer = setInterval(() => {
        refresh().catch((error: unknown) => {
          metrics?.modelRegistryReloadsTotal.inc({ outcome: "error" });
          logger.warn({ err: error }, "model registry poll failed; keeping the current set");
        });
      }, options.intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await inFlight?.catch(() => {});
    },
  };
}

/**
 * Makes the registry the single source of truth at first start: when no version is active, registers
 * `model` (the shipped default, or MODEL_PATH's) and deploys it in full as `actor`. Safe when replicas start
 * together: registration is idempotent and a second full deploy of the same version changes nothing.
 * Returns the version deployed, or null when the registry already had an active model.
 */
export async function bootstrapRegistryModel(
  registry: Pick<ModelRegistry, "activeSet" | "register" | "deploy">,
  model: ModelFile,
  actor = "bootstrap",
  /** The file's exact text when the caller has it (saves re-serialising ~340 KB). */
  fileJson: string = serializeModel(model),
): Promise<string | null> {
  if ((await registry.activeSet()).active) return null;
  await registerModelFile(registry, model, actor, fileJson);
  try {
    await registry.deploy(model.modelVersion, { strategy: "full", actor });
  } catch (error) {
    // Another replica bootstrapped (or an admin deployed) first: fine as long as something is active.
    if ((await registry.activeSet()).active) return null;
    throw error;
  }
  return model.modelVersion;
}

/**
 * The model a first start registers: the file at `path` (MODEL_PATH), else the one shipped with
 * @chainwatch/model. Verified here (checksum, schema), so a bad MODEL_PATH fails the start loudly.
 */
export function loadBootstrapModelFile(path?: string): { model: ModelFile; fileJson: string } {
  const fileJson = readFileSync(
    path ?? new URL(import.meta.resolve("@chainwatch/model/default-model.json")),
    "utf8",
  );
  return { model: parseModelFile(fileJson), fileJson };
}

/** The loaded set as (version, role) rows: what `model_active_version_info` exports. */
export function servingRoles(set: ActiveModelSet | null | undefined): { version: string; role: string }[] {
  if (!set) return [];
  return [
    ...(set.active ? [{ version: set.active.version, role: "active" }] : []),
    ...(set.canary ? [{ version: set.canary.version, role: "canary" }] : []),
    ...set.shadows.map((shadow) => ({ version: shadow.version, role: "shadow" })),
  ];
}

/**
 * The serving set of a gateway or worker: seeds an empty registry with `bootstrapModel` (first start), then
 * loads the registry's set once (fails when it cannot: a service must not start without a model). The
 * caller starts polling with `start()`.
 */
export async function openRegistryModels(
  options: Omit<RegistryModelProviderOptions, "registry" | "preloaded"> & {
    registry: Pick<ModelRegistry, "activeSet" | "get" | "register" | "deploy">;
    bootstrapModel: { model: ModelFile; fileJson: string };
  },
): Promise<RegistryModelProvider> {
  const { registry, bootstrapModel, logger } = options;
  const bootstrapped = await bootstrapRegistryModel(
    registry,
    bootstrapModel.model,
    "bootstrap",
    bootstrapModel.fileJson,
  );
  if (bootstrapped) logger.info({ modelVersion: bootstrapped }, "model registry bootstrapped");
  const provider = createRegistryModelProvider({
    ...options,
    logger: logger.child({ component: "model-registry" }),
    preloaded: [bootstrapModel],
  });
  await provider.refresh();
  return provider;
}

/** Registers a model file with the metadata the registry lists (describeModel); idempotent per checksum. */
export function registerModelFile(
  registry: Pick<ModelRegistry, "register">,
  model: ModelFile,
  actor: string,
  fileJson: string = serializeModel(model),
): ReturnType<ModelRegistry["register"]> {
  return registry.register({
    version: model.modelVersion,
    featureSpecVersion: model.content.featureSpecVersion,
    checksum: model.checksum.value,
    metadata: describeModel(model) as unknown as Record<string, unknown>,
    fileJson,
    createdBy: actor,
  });
}
