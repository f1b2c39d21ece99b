import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

/** RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps either side of now a code is accepted in: ±30 s of clock drift. */
export const TOTP_WINDOW = 1;
export const TOTP_ISSUER = 'Argus';
export const RECOVERY_CODE_COUNT = 10;

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

export const TOTP_CODE_PATTERN = /^\d{6}$/;

/** A new random 160-bit secret, base32 as the apps take it. */
export function newTotpSecret(): string {
  return new Secret({ buffer: randomBytes(20).buffer }).base32;
}

function totpOf(secret: string, label = 'account'): TOTP {
  return new TOTP({
    issuer: TOTP_ISSUER,
    label,
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    secret: Secret.fromBase32(secret),
  });
}

/** The `otpauth://totp/...` URI an authenticator app scans. */
export function otpauthUri(secret: string, accountName: string): string {
  return totpOf(secret, accountName).toString();
}

/** The code for `secret` at `timestamp` (ms): for tests and scripts. */
export function totpCode(secret: string, timestamp: number): string {
  return totpOf(secret).generate({ timestamp });
}

/**
 * The 30-second step a code belongs to, if it is right for `secret` within ±TOTP_WINDOW steps of
 * `now` (ms); null otherwise. The caller refuses a step at or before the last one used (replay).
 */
export function matchTotpStep(secret: string, code: string, now: number): number | null {
  const token = code.trim();
  if (!TOTP_CODE_PATTERN.test(token)) return null;
  const delta = totpOf(secret).validate({ token, timestamp: now, window: TOTP_WINDOW });
  if (delta === null) return null;
  return Math.floor(now / 1000 / TOTP_PERIOD_SECONDS) + delta;
}

/** `RECOVERY_CODE_COUNT` fresh codes, `xxxxx-xxxxx` (50 bits each), shown to the user once. */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const chars = Array.from({ length: 10 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** Case, spaces and dashes do not matter when a recovery code is typed back. */
export function normaliseRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

/** Keyed by the user too: the same code of two accounts hashes apart. */
export function hashRecoveryCode(key: Buffer, userId: string, code: string): string {
  return createHmac('sha256', key)
    .update(`${userId}:${normaliseRecoveryCode(code)}`)
    .digest('hex');
}
