import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { parse, serialize } from 'cookie';
import type { FastifyRequest } from 'fastify';

/** The cookie a successful login sets (sessions will use `__Host-` cookies; this one is scoped to /api/auth). */
export const DEVICE_COOKIE = 'argus_device';
/** The same token for API clients that keep no cookies. */
export const DEVICE_TOKEN_HEADER = 'x-device-token';
export const DEVICE_COOKIE_PATH = '/api/auth';

const VERSION = 'v1';
/** `v1.<uuid>.<22 nonce chars>.<expiry>.<43 signature chars>` is about 120; anything longer is not ours. */
const MAX_TOKEN_LENGTH = 200;

/** A key for one purpose, derived from JWT_SECRET so no new secret has to be configured or shared. */
export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, '', `argus ${purpose}`, 32));
}

export interface IssuedDeviceToken {
  token: string;
  expiresAt: number;
}

/**
 * OWASP's device cookie: a token a successful login hands to the client, naming the account and a
 * random nonce, signed with HMAC-SHA256. It proves the client logged in to that account before; it
 * never authenticates anyone by itself (the password is still required).
 */
export class DeviceTokenSigner {
  private readonly key: Buffer;

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = deriveKey(secret, 'device token v1');
  }

  issue(userId: string, now: number): IssuedDeviceToken {
    const nonce = randomBytes(16).toString('base64url');
    const expiresAt = now + this.ttlSeconds * 1000;
    const payload = `${VERSION}.${userId}.${nonce}.${Math.floor(expiresAt / 1000)}`;
    return { token: `${payload}.${this.sign(payload)}`, expiresAt };
  }

  /** The token's nonce when it is genuine, unexpired and issued to `userId`; otherwise null. */
  verify(token: string, userId: string, now: number): string | null {
    if (token.length > MAX_TOKEN_LENGTH) return null;
    const parts = token.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION) return null;
    const [, tokenUser, nonce, expiry, signature] = parts;
    const expected = Buffer.from(this.sign(parts.slice(0, 4).join('.')));
    const given = Buffer.from(signature);
    // The whole signature string is compared, so no re-encoding of it passes either.
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    if (tokenUser !== userId || !/^\d+$/.test(expiry) || Number(expiry) * 1000 <= now) return null;
    return nonce;
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}

/** The device tokens a login request presents: the cookie, then the header (at most one of each). */
export function deviceTokensOf(request: FastifyRequest): string[] {
  const tokens: string[] = [];
  const cookieHeader = request.headers.cookie;
  if (typeof cookieHeader === 'string' && cookieHeader.includes(DEVICE_COOKIE)) {
    const value = parse(cookieHeader)[DEVICE_COOKIE];
    if (value) tokens.push(value);
  }
  const header = request.headers[DEVICE_TOKEN_HEADER];
  if (typeof header === 'string' && header) tokens.push(header);
  return tokens;
}

/** `Set-Cookie` for a device token: httpOnly, SameSite=Strict, only sent to /api/auth, Secure over https. */
export function deviceCookie(issued: IssuedDeviceToken, now: number, secure: boolean): string {
  return serialize(DEVICE_COOKIE, issued.token, {
    maxAge: Math.max(0, Math.floor((issued.expiresAt - now) / 1000)),
    path: DEVICE_COOKIE_PATH,
    httpOnly: true,
    secure,
    sameSite: 'strict',
  });
}
