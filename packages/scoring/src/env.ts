import { envFragment } from "@chainwatch/service-kit";
import { z } from "zod";

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
