import { chainwatchVitestConfig } from "@chainwatch/testing/vitest";

export default chainwatchVitestConfig();
