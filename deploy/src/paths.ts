import { fileURLToPath } from "node:url";

/** The deploy/ folder (this package's root). */
export const deployDir = fileURLToPath(new URL("..", import.meta.url));
/** The repository root. */
export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
