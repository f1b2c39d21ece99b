import { BlockList, isIP } from 'node:net';
import { parseIpAddress } from './ip-address';

/** Answers whether a client address is inside an allowlist of addresses and CIDR ranges. */
export type IpMatcher = (ip: string | undefined) => boolean;

/**
 * Compiles an allowlist (`203.0.113.7`, `10.0.0.0/8`, `2001:db8::/32`) once, so checking a
 * request costs one lookup. An IPv4 client seen as IPv4-mapped IPv6 (`::ffff:10.1.2.3`, as a
 * dual-stack socket reports it) is matched as the IPv4 address it is. An unknown or unparsable
 * client address never matches.
 */
export function compileIpAllowlist(entries: readonly string[]): IpMatcher {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return (ip) => {
    const address = ip ? parseIpAddress(ip) : null;
    if (!address) return false;
    return list.check(address.toString(), address.kind());
  };
}
