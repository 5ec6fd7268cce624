import { type ChildProcess, spawn } from "node:child_process";

export interface SpawnedService {
  child: ChildProcess;
  /** Everything the process wrote to stdout so far (JSON log lines and banners). */
  output(): string;
  /** Sends `signal` and resolves with the exit code (null if killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs an app's main.ts in a child process with the current Node, as production runs it. */
export function spawnService(
  mainPath: string,
  env: Record<string, string>,
  options: { cwd?: string } = {},
): SpawnedService {
  const child = spawn(process.execPath, [mainPath], {
    env: { ...process.env, ...env },
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    output: () => output,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/**
 * Polls `url` until it answers with `status`, or throws with the service's output after `timeoutMs`. The
 * default is a bound for a cold start on a busy 2-core CI machine (a new embedded database took 33 s at load
 * 10), not a speed check.
 */
export async function waitForHttp(
  url: string,
  options: { status?: number; timeoutMs?: number; service?: SpawnedService } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  while (Date.now() < deadline) {
    if (options.service && options.service.child.exitCode !== null) break;
    try {
      const response = await fetch(url);
      if (response.status === (options.status ?? 200)) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} not ready; service output:\n${options.service?.output() ?? ""}`);
}
