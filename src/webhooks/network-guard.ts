import { LookupAddress, lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { parseIpAddress } from '../core/net/ip-address';

/**
 * IPv6 prefixes that carry an IPv4 address, and where it sits. ipaddr.js names most of them;
 * IPv4-compatible (::a.b.c.d, deprecated by RFC 4291) it files under `unicast`, so it is matched here.
 */
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96') as [ipaddr.IPv6, number];
const GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3') as [ipaddr.IPv6, number];

/** The IPv4 address an IPv6 address embeds (mapped, compatible, 6to4, Teredo client, NAT64), if any. */
export function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const bytes = address.toByteArray();
  const range = address.range();
  if (range === 'ipv4Mapped' || range === 'rfc6145' || range === 'rfc6052' || (range === 'unicast' && address.match(IPV4_COMPATIBLE))) {
    return new ipaddr.IPv4(bytes.slice(12, 16));
  }
  if (range === '6to4') return new ipaddr.IPv4(bytes.slice(2, 6));
  // Teredo (RFC 4380) stores the client's address inverted in the last 32 bits.
  if (range === 'teredo') return new ipaddr.IPv4(bytes.slice(12, 16).map((byte) => byte ^ 0xff));
  return null;
}

/**
 * Why an address is not a public unicast destination, or null when it is. Every special range
 * ipaddr.js knows (loopback, private, link-local, CGNAT, multicast, reserved and documentation,
 * benchmarking, discard, site-local, ORCHID, ...) is refused; an IPv6 address must be global
 * unicast (2000::/3). An IPv4-mapped address is judged by the IPv4 address the socket connects to;
 * the other embedded-IPv4 forms (IPv4-compatible, 6to4, Teredo, NAT64) go through a tunnel or
 * translator to an IPv4 address, so they are refused whatever they embed.
 */
export function refusalReason(address: string): string | null {
  const parsed = parseIpAddress(address);
  if (!parsed) return 'not an IP address';
  if (parsed.kind() === 'ipv4') {
    const range = parsed.range();
    if (range === 'unicast') return null;
    const reason = `${parsed.toString()} is in the ${range} range`;
    return isIP(address) === 6 ? `${address} maps ${reason}` : reason;
  }
  const v6 = parsed as ipaddr.IPv6;
  const embedded = embeddedIPv4(v6);
  if (embedded) {
    const form = v6.range() === 'unicast' ? 'IPv4-compatible' : v6.range();
    return `${address} embeds ${embedded.toString()} (${form}, ${embedded.range()})`;
  }
  if (v6.range() !== 'unicast') return `${address} is in the ${v6.range()} range`;
  if (!v6.match(GLOBAL_UNICAST)) return `${address} is outside global unicast (2000::/3)`;
  return null;
}

export function isPublicAddress(address: string): boolean {
  return refusalReason(address) === null;
}

export class ForbiddenDestinationError extends Error {
  constructor(readonly host: string) {
    super(`${host} resolves to a loopback, private, link-local or reserved address`);
    this.name = 'ForbiddenDestinationError';
  }
}

/**
 * A DNS lookup for outgoing webhook connections that refuses non-public addresses. Used as the
 * socket's `lookup`, it checks the address actually connected to, so DNS rebinding between a
 * check and the connection cannot slip through.
 */
export function guardedLookup(allowPrivate: boolean) {
  return (
    hostname: string,
    options: object,
    callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, []);
      const allowed = allowPrivate ? addresses : addresses.filter((entry) => isPublicAddress(entry.address));
      if (allowed.length === 0) return callback(new ForbiddenDestinationError(hostname), []);
      if ((options as { all?: boolean }).all) return callback(null, allowed);
      callback(null, allowed[0].address, allowed[0].family);
    });
  };
}

/** Resolves `hostname` now and refuses it when no public address remains (registration-time check). */
export async function assertPublicHost(hostname: string, allowPrivate: boolean): Promise<void> {
  if (allowPrivate) return;
  const bare = hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(bare)
    ? [bare]
    : await new Promise<string[]>((resolve, reject) =>
        dnsLookup(bare, { all: true }, (error, found) => (error ? reject(error) : resolve(found.map((entry) => entry.address)))),
      );
  if (addresses.length === 0 || addresses.some((address) => !isPublicAddress(address))) throw new ForbiddenDestinationError(hostname);
}
