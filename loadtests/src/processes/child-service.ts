import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";

export interface ChildService {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything written to stdout and stderr so far (bounded to the last 200 KB). */
  output(): string;
  isRunning(): boolean;
  /** Resolves with the exit code, or null when killed by a signal. */
  exited: Promise<number | null>;
  /** Peak resident set size since the process started, in bytes (VmHWM: start-up included). */
  peakRssBytes(): number | undefined;
  /** Samples the RSS every `intervalMs` until stopped; `stop()` returns the largest sample in bytes. */
  sampleRss(intervalMs?: number): { stop(): number | undefined };
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. Idempotent. */
  stop(graceMs?: number): Promise<number | null>;
}

const OUTPUT_LIMIT = 200_000;

/** Runs a Node entry point (TypeScript, type-stripped) with the current Node, as production runs it. */
export function spawnNode(
  name: string,
  entry: string,
  env: Record<string, string | undefined>,
  nodeArgs: readonly string[] = [],
): ChildService {
  const child = spawn(process.execPath, [...nodeArgs, entry], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const append = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let stopping: Promise<number | null> | undefined;
  const isRunning = () => child.exitCode === null && child.signalCode === null;
  return {
    name,
    child,
    pid: child.pid ?? -1,
    output: () => output,
    isRunning,
    exited,
    peakRssBytes: () => (child.pid ? procStatusBytes(child.pid, "VmHWM") : undefined),
    sampleRss: (intervalMs = 200) => sampleRss(child.pid ?? -1, intervalMs),
    stop: (graceMs = 10_000) => {
      stopping ??= (async () => {
        if (!isRunning()) return exited;
        child.kill("SIGTERM");
        const timer = setTimeout(() => {
          if (isRunning()) child.kill("SIGKILL");
        }, graceMs);
        try {
          return await exited;
        } finally {
          clearTimeout(timer);
        }
      })();
      return stopping;
    },
  };
}

/**
 * A field of /proc/<pid>/status in bytes: VmRSS (resident now) or VmHWM (the peak since start). Linux
 * only; undefined elsewhere or once the process is gone.
 */
export function procStatusBytes(pid: number, field: "VmRSS" | "VmHWM"): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status);
    return match?.[1] ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU time the process has used (user + system) in milliseconds, from /proc/<pid>/stat. Unlike wall-clock
 * rates it does not shrink when other jobs take the cores, so "requests per CPU-second" is comparable
 * between a busy and a quiet machine. Linux only; clock ticks are 10 ms (USER_HZ 100).
 */
export function cpuTimeMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name (which may contain spaces): utime is the 12th, stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Peak RSS over a window (a benchmark run), not since start: start-up peaks are not the run's. */
export function sampleRss(pid: number, intervalMs = 200): { stop(): number | undefined } {
  let peak: number | undefined;
  const sample = () => {
    const rss = procStatusBytes(pid, "VmRSS");
    if (rss !== undefined && (peak === undefined || rss > peak)) peak = rss;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

/** Polls until `output()` matches `pattern`, the process exits, or the timeout passes. */
export async function waitForOutput(
  service: ChildService,
  pattern: RegExp,
  timeoutMs = 60_000,
): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = pattern.exec(service.output());
    if (match) return match;
    if (!service.isRunning()) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    `${service.name} did not print ${pattern} within ${timeoutMs} ms (running: ${service.isRunning()}); output:\n${service.output().slice(-4_000)}`,
  );
}
