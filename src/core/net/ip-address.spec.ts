import { parseIpAddress } from './ip-address';

describe('parseIpAddress', () => {
  it.each([
    ['10.1.2.3', 'ipv4', '10.1.2.3'],
    ['::ffff:10.1.2.3', 'ipv4', '10.1.2.3'],
    ['::FFFF:10.1.2.3', 'ipv4', '10.1.2.3'],
    ['::ffff:a01:203', 'ipv4', '10.1.2.3'],
    ['0:0:0:0:0:ffff:7f00:1', 'ipv4', '127.0.0.1'],
    ['::8.8.8.8', 'ipv6', '::808:808'], // IPv4-compatible stays IPv6 (ipaddr.js alone would read it as mapped)
    ['2001:db8::1', 'ipv6', '2001:db8::1'],
    ['::1', 'ipv6', '::1'],
  ])('%s is %s %s', (text, kind, canonical) => {
    const address = parseIpAddress(text);
    expect(address?.kind()).toBe(kind);
    expect(address?.toString()).toBe(canonical);
  });

  it.each(['', 'not an ip', '10.1.2', '10.1.2.256', '::ffff:10.1.2.300', 'example.com', '1.2.3.4/8'])('%p is not an address', (text) => {
    expect(parseIpAddress(text)).toBeNull();
  });
});
