import { createRedisScript, type RedisStore } from "@chainwatch/cache";
import { ADDRESS_FIELDS, type AddressState, type GlobalState } from "./address-state.ts";
import { OBSERVE_SCRIPT } from "./redis-state-script.ts";
import type { AddressStateStore } from "./state-store.ts";

export interface RedisStateStoreOptions {
  redis: Pick<RedisStore, "client">;
  /** `<REDIS_KEY_PREFIX>`; keys are `<prefix>:ctx:v2:a:<address>`, `…:p:<from>><to>`, `…:h:<hash>`, `…:g`. */
  keyPrefix: string;
  /** Lifetime of an address record and of a sender→recipient pair after their last update. */
  ttlSeconds: number;
  /** How long a transaction hash is remembered so its redelivery does not update the state again. */
  hashTtlSeconds: number;
}

/**
 * Production store: every gateway and worker shares it. One EVALSHA per batch (see redis-state-script.ts),
 * atomic, so two workers never interleave inside a batch and a redelivered hash is never applied twice.
 */
export function createRedisStateStore(options: RedisStateStoreOptions): AddressStateStore {
  const script = createRedisScript(options.redis, OBSERVE_SCRIPT);
  const prefix = addressStatePrefix(options.keyPrefix);
  let trips = 0;
  return {
    kind: "redis",
    async observe(observations) {
      if (observations.length === 0) return [];
      const args: (string | number)[] = [
        prefix,
        Math.ceil(options.ttlSeconds),
        Math.ceil(options.hashTtlSeconds),
        observations.length,
      ];
      for (const { hash, from, to, timestamp, valueLog10Eth, isCall } of observations) {
        args.push(
          hash,
          from ?? "",
          to ?? "",
          timestamp,
          valueLog10Eth === null ? "" : valueLog10Eth,
          isCall ? 1 : 0,
        );
      }
      trips++;
      const reply = (await script.run([], args)) as [number, string, string, number, string][];
      if (!Array.isArray(reply) || reply.length !== observations.length) {
        throw new Error(`address state replied ${String(reply?.length)} entries for ${observations.length}`);
      }
      return reply.map(([applied, sender, recipient, pairSeen, global]) => ({
        applied: applied === 1,
        sender: decodeAddress(sender),
        recipient: decodeAddress(recipient),
        pairSeen: pairSeen === 1,
        global: decodeGlobal(global),
      }));
    },
    peek: (address) => readAddressState(options.redis, options.keyPrefix, address),
    roundTrips: () => trips,
    evictions: () => 0,
  };
}

/**
 * Key namespace of the address state. v2: an address is one string value (its fields comma-joined in
 * ADDRESS_FIELDS order); v1 kept a hash and is never read.
 */
export const addressStatePrefix = (keyPrefix: string) => `${keyPrefix}:ctx:v2:`;

/** One address's stored state (for operators and tests); null when unknown or expired. */
export async function readAddressState(
  redis: Pick<RedisStore, "client">,
  keyPrefix: string,
  address: string,
): Promise<AddressState | null> {
  return decodeAddress(
    (await redis.client.get(`${addressStatePrefix(keyPrefix)}a:${address.toLowerCase()}`)) ?? "",
  );
}

function decodeAddress(encoded: string): AddressState | null {
  if (encoded === "") return null;
  const values = encoded.split(",");
  const state = {} as Record<(typeof ADDRESS_FIELDS)[number], number>;
  ADDRESS_FIELDS.forEach((field, index) => {
    state[field] = Number(values[index] ?? 0);
  });
  return state;
}

function decodeGlobal(encoded: string): GlobalState {
  const [count, mean, variance, recipients, freshShare] = encoded.split(",").map(Number);
  return {
    newSenderCount: count ?? 0,
    newSenderMean: mean ?? 0,
    newSenderVar: variance ?? 0,
    recipientCount: recipients ?? 0,
    freshRecipientShare: freshShare ?? 0,
  };
}
