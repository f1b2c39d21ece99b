import { compileIpAllowlist } from './ip-allowlist';

describe('compileIpAllowlist', () => {
  const allows = compileIpAllowlist(['203.0.113.7', '10.0.0.0/8', '2001:db8::/32', '::1']);

  it.each([
    ['203.0.113.7', true],
    ['203.0.113.8', false],
    ['10.255.0.1', true],
    ['11.0.0.1', false],
    ['::ffff:10.1.2.3', true],
    ['::ffff:11.1.2.3', false],
    ['::ffff:a01:203', true], // the same mapped address, written in hex
    ['::FFFF:10.1.2.3', true],
    ['::ffff:b01:203', false],
    ['::10.1.2.3', false], // IPv4-compatible is not IPv4-mapped
    ['2001:db8:1::5', true],
    ['2001:db9::5', false],
    ['::1', true],
    ['127.0.0.1', false],
    ['not an ip', false],
    ['', false],
  ])('%s → %p', (ip, expected) => {
    expect(allows(ip)).toBe(expected);
  });

  it('matches nothing when the client address is unknown', () => {
    expect(allows(undefined)).toBe(false);
  });

  it('an empty list allows nobody', () => {
    expect(compileIpAllowlist([])('10.0.0.1')).toBe(false);
  });

  it('a /0 range admits its whole family only', () => {
    const everyIpv4 = compileIpAllowlist(['0.0.0.0/0']);
    expect(everyIpv4('198.51.100.1')).toBe(true);
    expect(everyIpv4('2001:db8::1')).toBe(false);
  });
});
