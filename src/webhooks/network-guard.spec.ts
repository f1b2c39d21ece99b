import { ForbiddenDestinationError, assertPublicHost, isPublicAddress } from './network-guard';
import { signatureHeaders } from './signing';
import { SecretBox } from './secret-box';
import { createHmac } from 'node:crypto';

describe('isPublicAddress', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.0.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd12:3456::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    'not-an-ip',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('accepts %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

describe('assertPublicHost', () => {
  it('refuses private literals and localhost, and allows them when told to', async () => {
    await expect(assertPublicHost('127.0.0.1', false)).rejects.toBeInstanceOf(ForbiddenDestinationError);
    await expect(assertPublicHost('[::1]', false)).rejects.toBeInstanceOf(ForbiddenDestinationError);
    await expect(assertPublicHost('localhost', false)).rejects.toBeInstanceOf(ForbiddenDestinationError);
    await expect(assertPublicHost('localhost', true)).resolves.toBeUndefined();
    await expect(assertPublicHost('93.184.216.34', false)).resolves.toBeUndefined();
  });
});

describe('signatureHeaders', () => {
  it('signs the body (hex) and id.timestamp.body (Standard Webhooks) with the secret bytes', () => {
    const secret = 'whsec_' + Buffer.from('k'.repeat(32)).toString('base64');
    const headers = signatureHeaders(secret, 'msg_1', 1700000000, '{"a":1}');
    const key = Buffer.from('k'.repeat(32));
    expect(headers['X-Webhook-Signature']).toBe(createHmac('sha256', key).update('{"a":1}').digest('hex'));
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
