import { envFragment } from "@chainwatch/service-kit";
import { z } from "zod";
import { loadBootstrapModelFile, openRegistryModels, type RegistryModelProvider } from "./registry-poller.ts";

/** Which model serves: the registry in PostgreSQL decides; these say where to start and how often to look. */
export const modelEnvFragment = envFragment("Model (the registry in PostgreSQL decides what serves)", {
  MODEL_PATH: z.string().optional().meta({
    description:
      "Model JSON file registered and deployed when the registry has no active model (first start); unset → the model shipped with @chainwatch/model. After that the registry decides.",
    example: "/models/model.json",
  }),
  MODEL_REFRESH_INTERVAL_SECONDS: z.coerce
    .number()
    .positive()
    .default(5)
    .describe(
      "How often the registry's active set is polled; a deploy or rollback serves within this + one load.",
    ),
});

export interface ModelEnv {
  MODEL_PATH?: string | undefined;
  MODEL_REFRESH_INTERVAL_SECONDS: number;
}

/**
 * The serving set from the shared settings (modelEnvFragment), the same way in every app: the registry,
 * seeded from MODEL_PATH (or the shipped model) on a first start, polled every MODEL_REFRESH_INTERVAL_SECONDS.
 * `bootstrapModel`: an app that read MODEL_PATH earlier (to fail fast) passes what it read.
 */
export function openRegistryModelsFromEnv(
  env: ModelEnv,
  options: Omit<Parameters<typeof openRegistryModels>[0], "bootstrapModel" | "intervalMs"> & {
    bootstrapModel?: Parameters<typeof openRegistryModels>[0]["bootstrapModel"];
  },
): Promise<RegistryModelProvider> {
  return openRegistryModels({
    ...options,
    bootstrapModel: options.bootstrapModel ?? loadBootstrapModelFile(env.MODEL_PATH),
    intervalMs: env.MODEL_REFRESH_INTERVAL_SECONDS * 1000,
  });
}
