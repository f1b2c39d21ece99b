import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { OAuthApplicationEntity, TokenEndpointAuthMethod } from './oauth-application.entity';

/**
 * Client identifiers and secrets. A secret is 32 random bytes, base64url, after a recognisable
 * prefix (secret scanners find it); only its SHA-256 is stored. Both are high-entropy random
 * values, so a fast hash is enough, as for API keys.
 */
export const CLIENT_ID_PREFIX = 'app_';
export const CLIENT_SECRET_PREFIX = 'argus_cs_';

/** The methods that authenticate with a client secret (the others have none: keys, certificates, or PKCE alone). */
export function usesClientSecret(method: TokenEndpointAuthMethod): boolean {
  return method === 'client_secret_basic' || method === 'client_secret_post';
}

export function generateClientId(): string {
  return CLIENT_ID_PREFIX + randomBytes(16).toString('base64url');
}

export function generateClientSecret(): string {
  return CLIENT_SECRET_PREFIX + randomBytes(32).toString('base64url');
}

export function hashClientSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function sameHash(stored: string | null, presented: string): boolean {
  if (!stored) return false;
  const a = Buffer.from(stored, 'hex');
  const b = Buffer.from(presented, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The current secret, or the one before a rotation while its grace lasts. */
export function matchesClientSecret(
  application: Pick<OAuthApplicationEntity, 'secretHash' | 'previousSecretHash' | 'previousSecretExpiresAt'>,
  secret: string,
  now: Date,
): boolean {
  const presented = hashClientSecret(secret);
  if (sameHash(application.secretHash, presented)) return true;
  return (
    application.previousSecretExpiresAt !== null &&
    application.previousSecretExpiresAt > now &&
    sameHash(application.previousSecretHash, presented)
  );
}
