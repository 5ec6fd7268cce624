import type { Logger } from "@chainwatch/service-kit";
import type { Alert } from "./alert.ts";
import type { DeliveryDestination } from "./destinations.ts";
import type { HttpPoster, PostResult } from "./http-post.ts";
import {
  ALERT_EVENT_TYPE,
  type DigestEntry,
  slackBody,
  slackDigestBody,
  TEST_EVENT_TYPE,
  webhookBody,
  webhookDigestBody,
} from "./render.ts";
import type { SecretBox } from "./secret-box.ts";
import { signWebhook } from "./signing.ts";

export interface Sender {
  send(
    destination: DeliveryDestination,
    messageId: string,
    alert: Alert,
    options?: { isTest?: boolean },
  ): Promise<PostResult>;
  sendDigest(
    destination: DeliveryDestination,
    digestId: string,
    entries: readonly DigestEntry[],
  ): Promise<PostResult>;
}

/** Renders a message for the destination's kind, signs webhooks, and posts (or logs) it. */
export function createSender(options: {
  poster: HttpPoster;
  secrets: SecretBox;
  logger: Logger;
  timeoutMs: number;
  now?: () => Date;
}): Sender {
  const now = options.now ?? (() => new Date());
  const logger = options.logger.child({ component: "alert-sender" });

  const post = async (
    destination: DeliveryDestination,
    messageId: string,
    body: string,
  ): Promise<PostResult> => {
    if (destination.kind === "log" || destination.url === null) {
      logger.info({ destination: destination.id, messageId, body: JSON.parse(body) }, "alert");
      return { statusCode: null, latencyMs: 0, error: null, isOk: true };
    }
    let headers: Record<string, string> = {};
    let target = destination.url;
    if (destination.kind === "slack" && destination.sealedSecret) {
      try {
        target = options.secrets.open(destination.sealedSecret);
      } catch (error) {
        return { statusCode: null, latencyMs: 0, error: (error as Error).message, isOk: false };
      }
    }
    if (destination.kind === "webhook") {
      if (!destination.sealedSecret)
        return {
          statusCode: null,
          latencyMs: 0,
          error: "webhook destination has no signing secret",
          isOk: false,
        };
      let secret: string;
      try {
        secret = options.secrets.open(destination.sealedSecret);
      } catch (error) {
        return { statusCode: null, latencyMs: 0, error: (error as Error).message, isOk: false };
      }
      headers = { ...signWebhook(secret, messageId, Math.floor(now().getTime() / 1000), body) };
    }
    return options.poster.post(target, body, headers, options.timeoutMs);
  };

  return {
    send(destination, messageId, alert, sendOptions = {}) {
      const body =
        destination.kind === "slack"
          ? slackBody(alert, sendOptions)
          : webhookBody(sendOptions.isTest ? TEST_EVENT_TYPE : ALERT_EVENT_TYPE, alert, now());
      return post(destination, messageId, body);
    },
    sendDigest(destination, digestId, entries) {
      const body =
        destination.kind === "slack" ? slackDigestBody(entries) : webhookDigestBody(entries, now());
      return post(destination, digestId, body);
    },
  };
}
