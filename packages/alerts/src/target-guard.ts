import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { ChainwatchError } from "@chainwatch/service-kit";

/**
 * SSRF guard for destination URLs. A destination is a URL an API user chose, fetched from inside the
 * cluster: without this, "http://169.254.169.254/…" or "http://postgres:5432" would make the dispatcher
 * reach what only the cluster can reach. Every address the host resolves to is checked (one private answer
 * is enough to refuse), at creation and again at each connection, so a DNS answer that changes after the
 * check (rebinding) is refused too.
 */
export class TargetRefusedError extends ChainwatchError {
  constructor(message: string, details?: unknown) {
    super("DESTINATION_TARGET_REFUSED", message, { details });
  }
}

const blocked = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  blocked.addSubnet(network, prefix, "ipv4");
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["64:ff9b::", 96],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  blocked.addSubnet(network, prefix, "ipv6");

const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** True for loopback, private, link-local, shared, documentation, multicast and reserved addresses. */
export function isNonPublicAddress(address: string): boolean {
  const mapped = MAPPED_V4.exec(address)?.[1];
  if (mapped) return blocked.check(mapped, "ipv4");
  const family = isIP(address);
  if (family === 0) return true;
  return blocked.check(address, family === 4 ? "ipv4" : "ipv6");
}

export interface TargetPolicy {
  /** ALERT_ALLOW_PRIVATE_TARGETS: every address allowed (local development and tests only). */
  allowPrivate: boolean;
  /** ALERT_ALLOWED_TARGETS: host names and CIDRs that may be private (an in-cluster receiver). */
  allowedHosts: readonly string[];
}

export function parseAllowedTargets(text: string | undefined): string[] {
  return (text ?? "")
    .split(",")
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry.length > 0);
}

function allowListOf(policy: TargetPolicy) {
  const cidrs = new BlockList();
  const hosts = new Set<string>();
  for (const entry of policy.allowedHosts) {
    const [network, prefix] = entry.split("/");
    const family = network ? isIP(network) : 0;
    if (family !== 0 && network) {
      const bits = prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix);
      cidrs.addSubnet(network, bits, family === 4 ? "ipv4" : "ipv6");
    } else hosts.add(entry);
  }
  return {
    allowsHost: (host: string) => hosts.has(host.toLowerCase()),
    allowsAddress: (address: string) => {
      const family = isIP(address);
      return family !== 0 && cidrs.check(address, family === 4 ? "ipv4" : "ipv6");
    },
  };
}

export interface TargetGuard {
  /** Refuses (TargetRefusedError) a URL that is not http(s) or whose host resolves to a non-public address. */
  checkUrl(url: string): Promise<void>;
  /** Whether one resolved address of `host` may be connected to. */
  isAllowed(host: string, address: string): boolean;
}

export function createTargetGuard(
  policy: TargetPolicy,
  resolve: (host: string) => Promise<string[]> = async (host) =>
    (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address),
): TargetGuard {
  const allowList = allowListOf(policy);
  const isAllowed = (host: string, address: string) =>
    policy.allowPrivate ||
    allowList.allowsHost(host) ||
    allowList.allowsAddress(address) ||
    !isNonPublicAddress(address);

  return {
    isAllowed,
    async checkUrl(text) {
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        throw new TargetRefusedError("destination URL is not a URL");
      }
      if (url.protocol !== "https:" && url.protocol !== "http:")
        throw new TargetRefusedError("destination URL must be http or https");
      if (url.username || url.password)
        throw new TargetRefusedError("destination URL must not carry credentials in its authority");
      const host = url.hostname.replace(/^\[|\]$/g, "");
      let addresses: string[];
      try {
        addresses = isIP(host) !== 0 ? [host] : await resolve(host);
      } catch (error) {
        throw new TargetRefusedError(`destination host ${host} does not resolve`, {
          cause: (error as Error).message,
        });
      }
      if (addresses.length === 0) throw new TargetRefusedError(`destination host ${host} does not resolve`);
      const refused = addresses.filter((address) => !isAllowed(host, address));
      if (refused.length > 0)
        throw new TargetRefusedError(
          `destination host ${host} resolves to a private, loopback or link-local address; set ALERT_ALLOWED_TARGETS to allow it`,
          { addresses: refused },
        );
    },
  };
}
