import { createRedisScript, type RedisStore } from "@chainwatch/cache";
import {
  ADDRESS_FIELDS,
  type AddressState,
  type EpisodeMember,
  GLOBAL_FIELDS,
  type GlobalState,
  INCIDENT_PARAMETERS,
  type IncidentMarker,
  type ObserveReply,
} from "./address-state.ts";
import { OBSERVE_SCRIPT, OPEN_INCIDENTS_SCRIPT } from "./redis-state-script.ts";
import type { AddressStateStore } from "./state-store.ts";

export interface RedisStateStoreOptions {
  redis: Pick<RedisStore, "client">;
  /**
   * `<REDIS_KEY_PREFIX>`; keys are `<prefix>:ctx:v2:a:<address>`, `…:p:<from>><to>`, `…:h:<hash>`, `…:g`,
   * and for incidents `…:e:s|r:<address>` (episode members) and `…:m:s|r:<address>` (open incident).
   */
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
  const incidentScript = createRedisScript(options.redis, OPEN_INCIDENTS_SCRIPT);
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
      for (const { hash, from, to, timestamp, valueLog10Eth, isCall, viewNeeded } of observations) {
        args.push(
          hash,
          from ?? "",
          to ?? "",
          timestamp,
          valueLog10Eth === null ? "" : valueLog10Eth,
          isCall ? 1 : 0,
          viewNeeded === false ? 0 : 1,
        );
      }
      trips++;
      const reply = (await script.run([], args)) as (
        | [number, string, string, number, string, string, string]
        | number
      )[];
      if (!Array.isArray(reply) || reply.length !== observations.length) {
        throw new Error(`address state replied ${String(reply?.length)} entries for ${observations.length}`);
      }
      return reply.map((entry): ObserveReply => {
        if (typeof entry === "number") return { applied: entry === 1, viewless: true };
        const [applied, sender, recipient, pairSeen, global, senderMarker, recipientMarker] = entry;
        return {
          applied: applied === 1,
          sender: decodeAddress(sender),
          recipient: decodeAddress(recipient),
          pairSeen: pairSeen === 1,
          global: decodeGlobal(global),
          senderIncident: decodeMarker(senderMarker),
          recipientIncident: decodeMarker(recipientMarker),
        };
      });
    },
    async openIncidents(openings) {
      if (openings.length === 0) return [];
      const args: (string | number)[] = [prefix, INCIDENT_PARAMETERS.keyTtlSeconds, openings.length];
      for (const { side, address, marker } of openings) {
        args.push(
          side === "sender" ? "s" : "r",
          address,
          marker.id,
          `${marker.triggerTimestamp}@${marker.surprise}`,
        );
      }
      trips++;
      const reply = (await incidentScript.run([], args)) as string[][];
      if (!Array.isArray(reply) || reply.length !== openings.length) {
        throw new Error(`incident script replied ${String(reply?.length)} entries for ${openings.length}`);
      }
      return reply.map((entries) => entries.map(decodeMember).filter((member) => member !== null));
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
  const values = encoded.split(",").map(Number);
  const global = {} as Record<(typeof GLOBAL_FIELDS)[number], number>;
  GLOBAL_FIELDS.forEach((field, index) => {
    global[field] = values[index] ?? 0;
  });
  return global;
}

/** 'id@triggerTimestamp@surprise'. */
function decodeMarker(encoded: string | undefined): IncidentMarker | null {
  if (!encoded) return null;
  const [id, timestamp, surprise] = encoded.split("@");
  if (!id || timestamp === undefined || surprise === undefined) return null;
  return { id, triggerTimestamp: Number(timestamp), surprise: Number(surprise) };
}

function decodeMember(encoded: string): EpisodeMember | null {
  const at = encoded.lastIndexOf("@");
  if (at <= 0) return null;
  return { hash: encoded.slice(0, at), timestamp: Number(encoded.slice(at + 1)) };
}
