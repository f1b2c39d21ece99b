import type { FastifyRequest } from 'fastify';
import { DeviceTokenSigner, deviceCookie, deviceTokensOf } from './device-token';

const SECRET = 's'.repeat(48);
const USER = '3f0c1b6e-9a4d-4c39-8f27-2d5a4e1b7c90';
const OTHER = '8b2d4f61-0c3e-4a57-9e18-6f7a9b0c1d2e';
const NOW = 1_800_000_000_000;
const DAY = 86_400;

describe('DeviceTokenSigner', () => {
  const signer = new DeviceTokenSigner(SECRET, 30 * DAY);

  it('verifies its own token for the account it was issued to, and returns the nonce', () => {
    const { token, expiresAt } = signer.issue(USER, NOW);
    expect(expiresAt).toBe(NOW + 30 * DAY * 1000);
    expect(token).toMatch(/^v1\.[0-9a-f-]{36}\.[\w-]{22}\.\d+\.[\w-]{43}$/);
    expect(signer.verify(token, USER, NOW + 1000)).toBe(token.split('.')[2]);
    expect(signer.issue(USER, NOW).token).not.toBe(token);
  });

  it('refuses another account, an expired token, any changed character and another secret', () => {
    const { token } = signer.issue(USER, NOW);
    expect(signer.verify(token, OTHER, NOW)).toBeNull();
    expect(signer.verify(token, USER, NOW + 30 * DAY * 1000)).toBeNull();
    for (let i = 0; i < token.length; i++) {
      const changed = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
      expect(signer.verify(changed, USER, NOW)).toBeNull();
    }
    // The account swapped in with the signature kept: the signature covers the account.
    expect(signer.verify(token.replace(USER, OTHER), OTHER, NOW)).toBeNull();
    expect(new DeviceTokenSigner('t'.repeat(48), 30 * DAY).verify(token, USER, NOW)).toBeNull();
  });

  it.each(['', 'v1', 'v1.a.b.c', `v2.${USER}.n.1.s`, 'x'.repeat(10_000), `v1.${USER}.n.notanumber.sig`])('refuses %p', (token) => {
    expect(signer.verify(token, USER, NOW)).toBeNull();
  });
});

describe('device cookie', () => {
  const request = (headers: Record<string, string>) => ({ headers }) as unknown as FastifyRequest;

  it('is httpOnly, SameSite=Strict, scoped to /api/auth, and Secure only over https', () => {
    const issued = { token: 'v1.tok', expiresAt: NOW + 3600_000 };
    expect(deviceCookie(issued, NOW, false)).toBe('argus_device=v1.tok; Max-Age=3600; Path=/api/auth; HttpOnly; SameSite=Strict');
    expect(deviceCookie(issued, NOW, true)).toBe('argus_device=v1.tok; Max-Age=3600; Path=/api/auth; HttpOnly; Secure; SameSite=Strict');
  });

  it('reads the cookie among others, and the X-Device-Token header', () => {
    expect(deviceTokensOf(request({ cookie: 'a=1; argus_device=v1.tok; b=2' }))).toEqual(['v1.tok']);
    expect(deviceTokensOf(request({ 'x-device-token': 'v1.hdr' }))).toEqual(['v1.hdr']);
    expect(deviceTokensOf(request({ cookie: 'argus_device=v1.tok', 'x-device-token': 'v1.hdr' }))).toEqual(['v1.tok', 'v1.hdr']);
    expect(deviceTokensOf(request({ cookie: 'other=1' }))).toEqual([]);
    expect(deviceTokensOf(request({ cookie: 'argus_device=%E0%A4%A' }))).toEqual(['%E0%A4%A']);
  });
});
