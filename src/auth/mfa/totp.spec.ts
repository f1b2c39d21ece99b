import { Secret, TOTP } from 'otpauth';
import { hashRecoveryCode, matchTotpStep, newRecoveryCodes, newTotpSecret, normaliseRecoveryCode, otpauthUri, totpCode } from './totp';

const NOW = Date.parse('2026-03-01T12:00:10.000Z');
const STEP = Math.floor(NOW / 30_000);

describe('TOTP', () => {
  const secret = newTotpSecret();

  it('makes 160-bit base32 secrets, different each time', () => {
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(secret);
  });

  it('gives the codes any RFC 6238 app computes (SHA-1, 6 digits, 30 s)', () => {
    const app = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
    expect(totpCode(secret, NOW)).toBe(app.generate({ timestamp: NOW }));
    expect(otpauthUri(secret, 'ada@example.com')).toBe(
      `otpauth://totp/Argus:ada%40example.com?issuer=Argus&secret=${secret}&algorithm=SHA1&digits=6&period=30`,
    );
  });

  it('accepts the current code and one step either side, with the step it belongs to', () => {
    expect(matchTotpStep(secret, totpCode(secret, NOW), NOW)).toBe(STEP);
    expect(matchTotpStep(secret, totpCode(secret, NOW - 30_000), NOW)).toBe(STEP - 1);
    expect(matchTotpStep(secret, totpCode(secret, NOW + 30_000), NOW)).toBe(STEP + 1);
  });

  it('refuses codes two steps away, of another secret, or not six digits', () => {
    expect(matchTotpStep(secret, totpCode(secret, NOW - 60_000), NOW)).toBeNull();
    expect(matchTotpStep(secret, totpCode(secret, NOW + 60_000), NOW)).toBeNull();
    expect(matchTotpStep(newTotpSecret(), totpCode(secret, NOW), NOW)).toBeNull();
    for (const bad of ['', '12345', '1234567', 'abcdef', '12 34 56']) expect(matchTotpStep(secret, bad, NOW)).toBeNull();
  });
});

describe('recovery codes', () => {
  it('makes ten distinct xxxxx-xxxxx codes without look-alike characters', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-hjkmnp-z2-9]{5}-[a-hjkmnp-z2-9]{5}$/);
  });

  it('hashes a code the same however it is typed, and apart for another user', () => {
    const key = Buffer.alloc(32, 7);
    const hash = hashRecoveryCode(key, 'user-1', 'abcde-fghjk');
    expect(normaliseRecoveryCode(' ABCDE fghjk ')).toBe('abcdefghjk');
    expect(hashRecoveryCode(key, 'user-1', 'ABCDEFGHJK')).toBe(hash);
    expect(hashRecoveryCode(key, 'user-2', 'abcde-fghjk')).not.toBe(hash);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
