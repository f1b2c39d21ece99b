import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * The one parser of client and destination addresses: an IP address as the address actually
 * talked to, so an IPv4-mapped IPv6 address (`::ffff:10.1.2.3` or `::ffff:a01:203`, as a
 * dual-stack socket reports an IPv4 peer) becomes that IPv4 address (`ipaddr.process`). Null when
 * the text is not an IP address.
 */
export function parseIpAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (isIP(address) === 0) return null;
  try {
    return ipaddr.process(dottedTailToHex(address));
  } catch {
    return null;
  }
}

/**
 * `::a.b.c.d` as `::xxxx:xxxx`: ipaddr.js reads any dotted tail as IPv4-mapped (it parses
 * `::8.8.8.8` as `::ffff:808:808`), which would hide an IPv4-compatible address.
 */
function dottedTailToHex(address: string): string {
  const tail = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (!tail) return address;
  const [a, b, c, d] = tail.slice(2).map(Number);
  return `${tail[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}
