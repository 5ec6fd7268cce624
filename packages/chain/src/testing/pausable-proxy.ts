import { connect, createServer, type Socket } from "node:net";
import { freePort } from "@chainwatch/testing";

export interface PausableProxy {
  readonly port: number;
  readonly url: string;
  /** From now on every connection is cut at once (the node looks unreachable), open ones included. */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

/** A TCP proxy in front of a node, to make it unreachable for a while without losing its chain. */
export async function startPausableProxy(targetPort: number): Promise<PausableProxy> {
  const port = await freePort();
  let isPaused = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    if (isPaused) {
      client.destroy();
      return;
    }
    const upstream = connect({ host: "127.0.0.1", port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    const cleanup = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", cleanup).on("close", cleanup);
    upstream.on("error", cleanup).on("close", cleanup);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    pause() {
      isPaused = true;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    resume() {
      isPaused = false;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
