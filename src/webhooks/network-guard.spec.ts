import ipaddr from 'ipaddr.js';
import { ForbiddenDestinationError, assertPublicHost, embeddedIPv4, guardedLookup, isPublicAddress, refusalReason } from './network-guard';
import { signatureHeaders } from './signing';
import { SecretBox } from '../core/crypto/secret-box';
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

describe('isPublicAddress', () => {
  it.each([
    // IPv4 special ranges
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.10', 'reserved (TEST-NET-1)'],
    ['198.51.100.7', 'reserved (TEST-NET-2)'],
    ['203.0.113.9', 'reserved (TEST-NET-3)'],
    ['198.18.0.1', 'reserved (benchmarking)'],
    ['192.88.99.1', 'reserved (6to4 relay)'],
    ['192.31.196.1', 'as112'],
    ['192.52.193.1', 'amt'],
    // IPv6 special ranges
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal with a zone'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fec0::1', 'deprecatedSiteLocal'],
    ['ff02::1', 'multicast'],
    ['100::1', 'discard (100::/64)'],
    ['2001:db8::1', 'reserved (documentation)'],
    ['3fff::1', 'reserved (documentation, RFC 9637)'],
    ['2001:2::1', 'benchmarking'],
    ['2001:10::1', 'deprecatedOrchid'],
    ['2001:20::1', 'orchid2'],
    ['5f00::1', 'segmentRouting'],
    ['4000::1', 'outside 2000::/3'],
    // IPv6 forms that embed an IPv4 address
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
    ['::127.0.0.1', 'IPv4-compatible loopback'],
    ['::7f00:1', 'IPv4-compatible loopback (hex)'],
    ['::8.8.8.8', 'IPv4-compatible public (deprecated form)'],
    ['2002:7f00:1::', '6to4 of 127.0.0.1'],
    ['2002:a00:1::1', '6to4 of 10.0.0.1'],
    ['2002:808:808::1', '6to4 of a public address (relayed)'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'Teredo of 127.0.0.1'],
    ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', 'Teredo of 8.8.8.8'],
    ['64:ff9b::7f00:1', 'NAT64 of 127.0.0.1'],
    ['64:ff9b::808:808', 'NAT64 of a public address'],
    ['64:ff9b:1::a00:1', 'local-use NAT64'],
    ['::ffff:0:7f00:1', 'SIIT (rfc6145)'],
    ['not-an-ip', 'not an address'],
    ['127.1', 'shorthand IPv4'],
  ])('refuses %s (%s)', (address) => {
    expect(isPublicAddress(address)).toBe(false);
    expect(refusalReason(address)).toEqual(expect.any(String));
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2a00:1450:4001::1', '::ffff:8.8.8.8'])(
    'accepts %s',
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
      expect(refusalReason(address)).toBeNull();
    },
  );

  it('names the IPv4 address an embedded form carries', () => {
    const v6 = (address: string) => ipaddr.IPv6.parse(address);
    expect(embeddedIPv4(v6('2002:7f00:1::'))?.toString()).toBe('127.0.0.1');
    expect(embeddedIPv4(v6('2001:0:4136:e378:8000:63bf:80ff:fffe'))?.toString()).toBe('127.0.0.1');
    expect(embeddedIPv4(v6('::127.0.0.1'))?.toString()).toBe('127.0.0.1');
    expect(embeddedIPv4(v6('::ffff:10.0.0.1'))?.toString()).toBe('10.0.0.1');
    expect(embeddedIPv4(v6('64:ff9b::a9fe:a9fe'))?.toString()).toBe('169.254.169.254');
    expect(embeddedIPv4(v6('2606:4700:4700::1111'))).toBeNull();
    expect(refusalReason('2002:7f00:1::')).toContain('127.0.0.1');
  });
});

describe('assertPublicHost', () => {
  it('refuses private literals and localhost, and allows them when told to', async () => {
    await expect(assertPublicHost('127.0.0.1', false)).rejects.toBeInstanceOf(ForbiddenDestinationError);
    await expect(assertPublicHost('[::1]', false)).rejects.toBeInstanceOf(ForbiddenDestinationError);
    await expect(assertPublicHost('localhost', false)).rejects.toBeInstanceOf(ForbiddenDestinationError);
    await expect(assertPublicHost('[::7f00:1]', false)).rejects.toBeInstanceOf(ForbiddenDestinationError);
    await expect(assertPublicHost('[2002:7f00:1::]', false)).rejects.toBeInstanceOf(ForbiddenDestinationError);
    await expect(assertPublicHost('localhost', true)).resolves.toBeUndefined();
    await expect(assertPublicHost('93.184.216.34', false)).resolves.toBeUndefined();
  });
});

describe('guardedLookup', () => {
  it('refuses, when connecting, a name that resolves to loopback, unless private receivers are allowed', async () => {
    const resolve = (allowPrivate: boolean) =>
      new Promise<unknown>((done) => guardedLookup(allowPrivate)('localhost', {}, (error, address) => done(error ?? address)));
    expect(await resolve(false)).toBeInstanceOf(ForbiddenDestinationError);
    expect(await resolve(true)).toMatch(/^(127\.0\.0\.1|::1)$/);
  });
});

describe('signatureHeaders', () => {
  it('signs the body (hex) with the secret as shown, and id.timestamp.body (Standard Webhooks) with its bytes', () => {
    const secret = 'whsec_' + Buffer.from('k'.repeat(32)).toString('base64');
    const headers = signatureHeaders(secret, 'msg_1', 1700000000, '{"a":1}');
    const key = Buffer.from('k'.repeat(32));
    expect(headers['X-Webhook-Signature']).toBe(createHmac('sha256', secret).update('{"a":1}').digest('hex'));
    expect(() => new Webhook(secret).verify('{"a":1}', headers)).toThrow(); // a 2023 timestamp: too old
    const now = Math.floor(Date.now() / 1000);
    const fresh = signatureHeaders(secret, 'msg_1', now, '{"a":1}');
    expect(new Webhook(secret).verify('{"a":1}', fresh)).toEqual({ a: 1 });
    expect(headers['webhook-signature']).toBe(`v1,${createHmac('sha256', key).update('msg_1.1700000000.{"a":1}').digest('base64')}`);
    expect(headers['webhook-id']).toBe('msg_1');
    expect(headers['webhook-timestamp']).toBe('1700000000');
  });
});

describe('SecretBox', () => {
  it('round-trips, hides the plaintext, and refuses a box sealed under another secret', () => {
    const box = new SecretBox('m'.repeat(40));
    const sealed = box.seal('whsec_secret');
    expect(sealed).not.toContain('whsec_secret');
    expect(box.open(sealed)).toBe('whsec_secret');
    expect(box.seal('whsec_secret')).not.toBe(sealed);
    expect(() => new SecretBox('n'.repeat(40)).open(sealed)).toThrow();
  });
});
