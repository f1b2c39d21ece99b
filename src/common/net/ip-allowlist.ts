import { BlockList, isIP } from 'node:net';

/** Answers whether a client address is inside an allowlist of addresses and CIDR ranges. */
export type IpMatcher = (ip: string | undefined) => boolean;

const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

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
    if (!ip) return false;
    const mapped = IPV4_MAPPED.exec(ip);
    const address = mapped ? mapped[1] : ip;
    const family = isIP(address);
    if (family === 0) return false;
    return list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
}
