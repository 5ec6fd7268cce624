/** One thing the gateway depends on, as /health and /health/ready see it. */
export interface DependencyCheck {
  name: string;
  /** Required dependencies make /health/ready answer 503 while they are down. */
  isRequired: boolean;
  check(): Promise<{ isUp: boolean; detail?: Record<string, unknown> }>;
}

export interface DependencyReport {
  status: "ok" | "degraded" | "unavailable";
  dependencies: Record<string, { status: "up" | "down"; required: boolean } & Record<string, unknown>>;
}

/** Each check is bounded so a hung dependency cannot hang the probe. */
export async function checkDependencies(
  checks: readonly DependencyCheck[],
  timeoutMs = 1_000,
): Promise<DependencyReport> {
  const entries = await Promise.all(
    checks.map(async (dependency) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<{ isUp: boolean; detail?: Record<string, unknown> }>((resolve) => {
        timer = setTimeout(
          () => resolve({ isUp: false, detail: { error: "health check timed out" } }),
          timeoutMs,
        );
      });
      const result = await Promise.race([
        dependency.check().catch(() => ({ isUp: false, detail: { error: "health check failed" } })),
        timeout,
      ]);
      clearTimeout(timer);
      return [
        dependency.name,
        { status: result.isUp ? "up" : "down", required: dependency.isRequired, ...result.detail },
      ] as const;
    }),
  );
  const isRequiredDown = entries.some(([, entry]) => entry.required && entry.status === "down");
  const isAnyDown = entries.some(([, entry]) => entry.status === "down");
  return {
    status: isRequiredDown ? "unavailable" : isAnyDown ? "degraded" : "ok",
    dependencies: Object.fromEntries(entries),
  };
}
