import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { freePort } from "@chainwatch/testing";

const PLATFORM_PACKAGE: Record<string, string> = {
  "linux-x64": "@foundry-rs/anvil-linux-amd64",
  "linux-arm64": "@foundry-rs/anvil-linux-arm64",
  "darwin-x64": "@foundry-rs/anvil-darwin-amd64",
  "darwin-arm64": "@foundry-rs/anvil-darwin-arm64",
  "win32-x64": "@foundry-rs/anvil-win32-amd64",
};

/**
 * The anvil binary from the npm packages (@foundry-rs/anvil's platform package, a plain file that needs no
 * install script), or ANVIL_BIN; undefined when neither is there.
 */
export function anvilBinary(): string | undefined {
  if (process.env.ANVIL_BIN) return process.env.ANVIL_BIN;
  const platformPackage = PLATFORM_PACKAGE[`${process.platform}-${process.arch}`];
  if (!platformPackage) return undefined;
  try {
    const fromHere = createRequire(import.meta.url);
    const wrapper = fromHere.resolve("@foundry-rs/anvil/package.json");
    const manifest = createRequire(wrapper).resolve(`${platformPackage}/package.json`);
    const binary = join(dirname(manifest), "bin", process.platform === "win32" ? "anvil.exe" : "anvil");
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

export interface Anvil {
  readonly url: string;
  readonly port: number;
  /** One raw JSON-RPC call (test cheat codes: evm_mine, anvil_reorg, evm_snapshot…). */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** Mines `count` blocks now. */
  mine(count?: number): Promise<void>;
  blockNumber(): Promise<number>;
  stop(): Promise<void>;
}

export interface AnvilOptions {
  port?: number;
  chainId?: number;
  /** Seconds between automatic blocks; unset → a block per transaction (automine), or none with noMining. */
  blockTimeSeconds?: number;
  noMining?: boolean;
  /** Extra command-line flags. */
  args?: string[];
}

/** Starts anvil on a free port (or the given one) and resolves once it answers eth_chainId. */
export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  const binary = anvilBinary();
  if (!binary) throw new Error("anvil binary not found");
  const port = options.port ?? (await freePort());
  const args = [
    "--port",
    String(port),
    "--host",
    "127.0.0.1",
    "--chain-id",
    String(options.chainId ?? 31337),
  ];
  if (options.blockTimeSeconds !== undefined) args.push("--block-time", String(options.blockTimeSeconds));
  if (options.noMining) args.push("--no-mining");
  args.push(...(options.args ?? []));
  const child: ChildProcess = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-20_000);
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  let id = 0;
  const rpc = async <T>(method: string, params: unknown[] = []): Promise<T> => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
    });
    const body = (await response.json()) as { result?: T; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result as T;
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`anvil exited at start:\n${output}`);
    try {
      await rpc("eth_chainId");
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`anvil did not answer on ${url}:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    url,
    port,
    rpc,
    mine: async (count = 1) => {
      await rpc("anvil_mine", [`0x${count.toString(16)}`]);
    },
    blockNumber: async () => Number(BigInt(await rpc<string>("eth_blockNumber"))),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
