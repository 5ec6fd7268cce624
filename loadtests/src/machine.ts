import { cpus, loadavg, totalmem } from "node:os";

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cores: list.length,
    cpuModel: list[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

/** The 1, 5 and 15 minute load averages: on a shared machine every figure is read next to these. */
export function loadAverages(): [number, number, number] {
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  return [one, five, fifteen].map((value) => Math.round(value * 100) / 100) as [number, number, number];
}

export const formatLoad = (load: readonly number[]) => load.map((value) => value.toFixed(2)).join(" / ");

export const formatBytes = (bytes: number | undefined) =>
  bytes === undefined ? "n/a" : `${Math.round(bytes / 2 ** 20)} MiB`;
