import { chainwatchVitestConfig } from "./src/vitest.ts";

export default chainwatchVitestConfig();
