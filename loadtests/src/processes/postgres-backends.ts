import { createPostgresDatabase, type Database } from "@chainwatch/store";
import { cpuTimeMs } from "./child-service.ts";

/**
 * CPU time of the PostgreSQL backends serving one application_name, read from /proc/<backend pid>/stat.
 * The server runs on this machine (the local services), so its backends are ordinary processes here.
 * pg_stat_statements would be the portable way, but it needs shared_preload_libraries on a server other
 * engineers share; this needs nothing. Each backend's largest reading is kept, so a connection that a pool
 * closes while idle still counts what it used. Backends of other applications (other people's tests) are
 * not counted: the runs give their connections an application_name of their own.
 */
export interface BackendCpuSampler {
  /** Total CPU milliseconds of the backends seen so far (samples once more first). */
  stop(): Promise<number>;
  /** Backends seen. */
  readonly backends: number;
}

export function sampleBackendCpu(
  connectionString: string,
  applicationName: string,
  intervalMs = 200,
  /** `now`: count only what the backends use from the first sample on (a window of a longer-lived pool). */
  from: "start" | "now" = "start",
): BackendCpuSampler {
  const cpuByPid = new Map<number, number>();
  const startByPid = new Map<number, number>();
  const connected: Promise<Database> = createPostgresDatabase({
    connectionString,
    maxConnections: 1,
    applicationName: "chainwatch-bench-probe",
  });
  const sample = async () => {
    const { rows } = await (await connected).query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE application_name = $1",
      [applicationName],
    );
    for (const { pid } of rows) {
      if (cpuByPid.has(pid)) continue;
      cpuByPid.set(pid, 0);
      if (from === "now") startByPid.set(pid, cpuTimeMs(pid) ?? 0);
    }
    for (const pid of cpuByPid.keys()) {
      const ms = cpuTimeMs(pid);
      if (ms !== undefined && ms > (cpuByPid.get(pid) ?? 0)) cpuByPid.set(pid, ms);
    }
  };
  let running = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(sample).catch(() => {});
  }, intervalMs);
  timer.unref();
  let stopped: Promise<number> | undefined;
  return {
    get backends() {
      return cpuByPid.size;
    },
    stop: () => {
      stopped ??= (async () => {
        clearInterval(timer);
        await running;
        await sample().catch(() => {});
        await (await connected).close().catch(() => {});
        let total = 0;
        for (const [pid, ms] of cpuByPid) total += Math.max(0, ms - (startByPid.get(pid) ?? 0));
        return total;
      })();
      return stopped;
    },
  };
}

/** The connection string with an application_name of its own (node-postgres lets the URL's win). */
export function withApplicationName(connectionString: string, applicationName: string): string {
  const url = new URL(connectionString);
  url.searchParams.set("application_name", applicationName);
  return url.toString();
}
