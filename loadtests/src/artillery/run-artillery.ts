import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ArtilleryReport } from "./report.ts";

const require = createRequire(import.meta.url);
const artilleryBin = join(dirname(require.resolve("artillery/package.json")), "bin/run");

export interface ArtilleryOptions {
  scenarioFile: string;
  target: string;
  reportPath: string;
  /** config.environments entry to use (phases per stack); unset → the script's own config. */
  environment?: string;
  /** Passed to the processor (keys, run salt). */
  env: Record<string, string>;
  /** Echo artillery's console output (progress every 10 s and the summary). */
  echo?: boolean;
}

export interface ArtilleryResult {
  /** 0 when the run and every `ensure` check passed. */
  exitCode: number;
  report: ArtilleryReport;
  /** The "ok:" / "fail:" lines of the ensure checks. */
  checks: string[];
}

export async function runArtillery(options: ArtilleryOptions): Promise<ArtilleryResult> {
  const child = spawn(
    process.execPath,
    [
      artilleryBin,
      "run",
      "--target",
      options.target,
      "--output",
      options.reportPath,
      ...(options.environment ? ["--environment", options.environment] : []),
      options.scenarioFile,
    ],
    {
      // Telemetry off: the runs stay on this machine; nothing is sent anywhere.
      env: { ...process.env, ...options.env, ARTILLERY_DISABLE_TELEMETRY: "true", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  const onData = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    if (options.echo) process.stdout.write(chunk);
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exitCode = await new Promise<number>((resolve) => child.once("exit", (code) => resolve(code ?? 1)));
  let report: ArtilleryReport;
  try {
    report = JSON.parse(await readFile(options.reportPath, "utf8")) as ArtilleryReport;
  } catch (error) {
    throw new Error(`artillery wrote no report (exit ${exitCode}):\n${output.slice(-4_000)}`, {
      cause: error,
    });
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips terminal colour codes
  const plain = output.replace(/\u001b\[[0-9;]*m/g, "");
  const checks = plain.split("\n").filter((line) => /^(ok|fail): /.test(line.trim()));
  return { exitCode, report, checks };
}
