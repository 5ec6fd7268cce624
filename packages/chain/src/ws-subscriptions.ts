import type { Logger } from "@chainwatch/service-kit";
import { getWebSocketRpcClient } from "viem/utils";

/** What a node pushes over eth_subscribe that the follower uses. */
export type SubscriptionTopic = "newHeads" | "newPendingTransactions";

export interface ChainSubscriptionsOptions {
  /** ws:// or wss:// */
  url: string;
  /** One handler per topic subscribed; `newHeads` gets the header, `newPendingTransactions` a hash. */
  handlers: Partial<Record<SubscriptionTopic, (result: unknown) => void>>;
  /** Told on every open (every topic subscribed) and close, so the follower can switch polling cadence. */
  onConnectionChange?: (isConnected: boolean) => void;
  logger: Logger;
  /** First wait before reconnecting; doubles up to `maxReconnectDelayMs`. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
}

export interface ChainSubscriptions {
  start(): void;
  stop(): void;
  isConnected(): boolean;
}

/**
 * The node's push notifications over one WebSocket, reconnected for as long as the follower runs. viem's
 * own reconnect gives up after 5 attempts and then drops the subscriptions; a follower must outlive any
 * node outage, so reconnection is ours (viem's is off) with backoff and no attempt limit. Nothing here is
 * needed for correctness: a notification only wakes the follower early, and while the socket is down the
 * follower polls, so a notification lost in a disconnect costs latency, never a block.
 */
export function createChainSubscriptions(options: ChainSubscriptionsOptions): ChainSubscriptions {
  const log = options.logger.child({ component: "chain-subscriptions" });
  const topics = Object.keys(options.handlers) as SubscriptionTopic[];
  const initialDelayMs = options.reconnectDelayMs ?? 250;
  const maxDelayMs = options.maxReconnectDelayMs ?? 10_000;
  let isStopped = false;
  let isConnected = false;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let current: { close(): void } | undefined;
  /** Each connection attempt's id: callbacks of a replaced socket are ignored. */
  let generation = 0;

  function setConnected(value: boolean) {
    if (isConnected === value) return;
    isConnected = value;
    options.onConnectionChange?.(value);
  }

  function scheduleReconnect(reason: unknown) {
    setConnected(false);
    // Closing makes viem report the close to every subscription again: a new generation ignores those.
    generation++;
    const closing = current;
    current = undefined;
    closing?.close();
    if (isStopped || timer) return;
    failures++;
    const delayMs = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(failures - 1, 16));
    // The first failure of an outage is worth a line; the retries are not.
    if (failures === 1)
      log.warn({ delayMs, err: shortReason(reason) }, "subscription socket lost; polling until it is back");
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, delayMs);
  }

  async function connect() {
    if (isStopped) return;
    const attempt = ++generation;
    try {
      // keepAlive pings find a silently dead socket; reconnect: false (see above).
      const client = await getWebSocketRpcClient(options.url, {
        keepAlive: { interval: 15_000 },
        reconnect: false,
      });
      if (isStopped || attempt !== generation) {
        client.close();
        return;
      }
      current = client;
      let subscribed = 0;
      for (const topic of topics) {
        const handler = options.handlers[topic];
        client.request({
          body: { method: "eth_subscribe", params: [topic] },
          onError: (error) => {
            if (attempt === generation) scheduleReconnect(error);
          },
          onResponse: (message) => {
            if (attempt !== generation) return;
            const notification = message as {
              method?: string;
              params?: { result?: unknown };
              error?: unknown;
            };
            if (notification.method === "eth_subscription") {
              handler?.(notification.params?.result);
              return;
            }
            if (notification.error) {
              scheduleReconnect(notification.error);
              return;
            }
            subscribed++;
            if (subscribed === topics.length) {
              if (failures > 0) log.info({ attempts: failures }, "subscription socket back");
              failures = 0;
              setConnected(true);
            }
          },
        });
      }
    } catch (error) {
      if (attempt === generation) scheduleReconnect(error);
    }
  }

  return {
    start() {
      void connect();
    },
    stop() {
      isStopped = true;
      generation++;
      clearTimeout(timer);
      timer = undefined;
      current?.close();
      current = undefined;
      setConnected(false);
    },
    isConnected: () => isConnected,
  };
}

function shortReason(reason: unknown): string {
  if (reason instanceof Error) return reason.message.slice(0, 200);
  if (reason && typeof reason === "object" && "message" in reason)
    return String(reason.message).slice(0, 200);
  return String(reason).slice(0, 200);
}

export const isWebSocketUrl = (url: string): boolean => /^wss?:\/\//i.test(url);
