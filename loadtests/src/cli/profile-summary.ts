#!/usr/bin/env node
/**
 * node src/cli/profile-summary.ts <file.cpuprofile> [top=30] [fromEndMs:toEndMs]
 *
 * Self time per function and per package from a V8 CPU profile (node --cpu-prof), so a profile can be
 * read without a browser. The optional window keeps samples between `fromEndMs` and `toEndMs` before the
 * profile's end (e.g. 10500:500 for a 10 s load followed by a half-second shutdown), which leaves out
 * start-up work such as the embedded database's initdb.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
export interface Profile {
  startTime: number;
  endTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

type Window = { fromEndMs: number; toEndMs: number };

/** Self time per node id within the window (all of the profile without one). */
function selfTimes(profile: Profile, window?: Window): Map<number, number> {
  const selfMs = new Map<number, number>();
  const from = window ? profile.endTime - window.fromEndMs * 1000 : Number.NEGATIVE_INFINITY;
  const to = window ? profile.endTime - window.toEndMs * 1000 : Number.POSITIVE_INFINITY;
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    if (at < from || at > to) return;
    selfMs.set(id, (selfMs.get(id) ?? 0) + delta / 1000);
  });
  return selfMs;
}

/** Sampled milliseconds that were not idle: the CPU the process used in the window. */
export function busyMilliseconds(profile: Profile, window?: Window): number {
  const selfMs = selfTimes(profile, window);
  let busy = 0;
  for (const node of profile.nodes) {
    if (node.callFrame.functionName !== "(idle)") busy += selfMs.get(node.id) ?? 0;
  }
  return busy;
}

export function summariseProfile(profile: Profile, top = 30, window?: Window): string {
  const selfMs = selfTimes(profile, window);
  const total = [...selfMs.values()].reduce((sum, value) => sum + value, 0);
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const node of profile.nodes) {
    const ms = selfMs.get(node.id) ?? 0;
    if (ms === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^file:\/\//, "");
    const where = file ? `${shorten(file)}:${lineNumber + 1}` : "(native)";
    const fn = `${functionName || "(anonymous)"} ${where}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
    const pkg = packageOf(file, functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
  }
  const rows = (map: Map<string, number>, limit: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(
        ([name, ms]) =>
          `${((ms / total) * 100).toFixed(1).padStart(5)} %  ${ms.toFixed(0).padStart(7)} ms  ${name}`,
      );
  return [
    `total sampled: ${total.toFixed(0)} ms`,
    "by package:",
    ...rows(byPackage, 20),
    "by function (self time):",
    ...rows(byFunction, top),
  ].join("\n");
}

function shorten(file: string): string {
  const index = file.lastIndexOf("node_modules/");
  if (index >= 0) return file.slice(index + "node_modules/".length);
  const workspace = /\/(apps|packages|loadtests)\/.*/.exec(file);
  return workspace ? workspace[0].slice(1) : file;
}

function packageOf(file: string, functionName: string): string {
  if (!file) return functionName.startsWith("(") ? functionName : "(native)";
  if (file.startsWith("node:")) return "node core";
  const modules = file.lastIndexOf("node_modules/");
  if (modules >= 0) {
    const rest = file.slice(modules + "node_modules/".length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? file);
  }
  const workspace = /\/((apps|packages)\/[^/]+)\//.exec(file);
  return workspace?.[1] ?? file;
}

if (import.meta.main) {
  const [file, top, range] = process.argv.slice(2);
  const [fromEndMs, toEndMs] = (range ?? "").split(":").map(Number);
  if (!file) {
    process.stderr.write("usage: node src/cli/profile-summary.ts <file.cpuprofile> [top]\n");
    process.exit(64);
  }
  process.stdout.write(
    `${summariseProfile(
      JSON.parse(readFileSync(file, "utf8")) as Profile,
      Number(top ?? 30),
      fromEndMs !== undefined && toEndMs !== undefined && range ? { fromEndMs, toEndMs } : undefined,
    )}\n`,
  );
}
