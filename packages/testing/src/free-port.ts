import { createServer } from "node:net";

/**
 * Ports are drawn below Linux's ephemeral range (32768–60999): a random port inside it can be taken at any
 * moment by an outgoing connection (a Kafka or PostgreSQL client), which made a restarted worker fail with
 * EADDRINUSE in CI.
 */
const LOWEST = 10_000;
const HIGHEST = 32_000;

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A TCP port that is free on 127.0.0.1 now and outside the range the OS hands to outgoing connections. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST));
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port found between ${LOWEST} and ${HIGHEST} in 50 tries`);
}
