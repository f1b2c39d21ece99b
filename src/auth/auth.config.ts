import type { CoreConfig } from '../core/config/core.config';
import { defineConfig } from '../core/config/define-config';
import { JWT_ALGORITHMS, JwtAlgorithm } from './signing/jws';

export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const MIN_SECRET_LENGTH = 32;
const MIN_PASSWORD_LENGTH = 12;

/** Tokens, browser sessions, sign-up and the bootstrap admin. */
export interface AuthConfig {
  jwt: {
    /** Empty until `ensureJwtSecret` has read or generated the data folder's secret, when JWT_SECRET is unset. */
    secret: string;
    /** True when the secret was generated into the data folder rather than configured. */
    generated: boolean;
    issuer: string;
    audience: string;
    expiresInSeconds: number;
    /** ES256 (default), EdDSA or RS256: signing keys in the database, published at /oauth/jwks. HS256: JWT_SECRET signs. */
    algorithm: JwtAlgorithm;
    /** How long a signing key signs before the schedule rotates it. */
    keyRotationIntervalSeconds: number;
  };
  refreshExpiresInSeconds: number;
  /** How long a just-spent refresh token answers 409 instead of revoking its family (0: never). */
  refreshReuseWindowSeconds: number;
  allowRegistration: boolean;
  /** Browser sessions: ended `ttlSeconds` after sign-in, or after `idleTimeoutSeconds` without a request. */
  sessions: { ttlSeconds: number; idleTimeoutSeconds: number };
  bootstrapAdmin?: { email: string; password: string };
  /** REQUIRE_MFA_FOR_ADMINS: admin routes answer 403 `mfa_required` to an admin without two-factor. */
  requireMfaForAdmins: boolean;
}

export const authConfig = defineConfig('auth', (reader, core: CoreConfig): AuthConfig => {
  const config: AuthConfig = {
    jwt: {
      secret: '',
      generated: false,
      issuer: reader.string('JWT_ISSUER', 'argus'),
      audience: reader.string('JWT_AUDIENCE', 'argus-api'),
      expiresInSeconds: reader.duration('JWT_EXPIRES_IN', '1h', 60, 86_400),
      algorithm: reader.oneOf('JWT_ALGORITHM', JWT_ALGORITHMS, 'ES256'),
      keyRotationIntervalSeconds: reader.duration('JWT_KEY_ROTATION_INTERVAL', '30d', 3600, 365 * 86_400),
    },
    refreshExpiresInSeconds: reader.duration('REFRESH_EXPIRES_IN', '7d', 300, 90 * 86_400),
    refreshReuseWindowSeconds: reader.integer('REFRESH_REUSE_WINDOW_SECONDS', 5, 0, 60),
    allowRegistration: reader.boolean('ALLOW_REGISTRATION', true),
    requireMfaForAdmins: reader.boolean('REQUIRE_MFA_FOR_ADMINS', false),
    sessions: {
      ttlSeconds: reader.duration('SESSION_TTL', '7d', 300, 90 * 86_400),
      // Last use is recorded at most once a minute, so a shorter idle timeout could not be kept.
      idleTimeoutSeconds: reader.duration('SESSION_IDLE_TIMEOUT', '30m', 120, 90 * 86_400),
    },
  };
  // A key signs for one interval and is published for one token lifetime after: a shorter interval
  // than the lifetime would publish ever more keys at once.
  if (config.jwt.keyRotationIntervalSeconds < config.jwt.expiresInSeconds) {
    reader.problem('JWT_KEY_ROTATION_INTERVAL: must be at least JWT_EXPIRES_IN');
  }
  if (config.sessions.idleTimeoutSeconds > config.sessions.ttlSeconds) {
    reader.problem('SESSION_IDLE_TIMEOUT: must not exceed SESSION_TTL');
  }

  const adminEmail = reader.optional('ARGUS_ADMIN_EMAIL');
  const adminPassword = reader.optional('ARGUS_ADMIN_PASSWORD');
  if (adminEmail !== undefined || adminPassword !== undefined) {
    if (adminEmail === undefined || !EMAIL_PATTERN.test(adminEmail)) {
      reader.problem('ARGUS_ADMIN_EMAIL: must be a valid email when ARGUS_ADMIN_PASSWORD is set');
    }
    if (adminPassword === undefined || adminPassword.length < MIN_PASSWORD_LENGTH) {
      reader.problem(`ARGUS_ADMIN_PASSWORD: must be at least ${MIN_PASSWORD_LENGTH} characters`);
    }
    if (adminEmail && adminPassword) config.bootstrapAdmin = { email: adminEmail, password: adminPassword };
  }

  const secret = reader.optional('JWT_SECRET');
  if (secret !== undefined) {
    if (secret.length < MIN_SECRET_LENGTH) {
      reader.problem(`JWT_SECRET: must be at least ${MIN_SECRET_LENGTH} characters`);
    } else if (/^(change[-_ ]?me|secret|your[-_]?secret)/i.test(secret)) {
      reader.problem('JWT_SECRET: is a placeholder; generate one with `openssl rand -base64 48`');
    }
    config.jwt.secret = secret;
  } else if (core.nodeEnv === 'production') {
    reader.problem('JWT_SECRET: is required when NODE_ENV=production');
  }
  return config;
});
