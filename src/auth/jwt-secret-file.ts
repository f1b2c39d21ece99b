import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CoreConfig } from '../core/config/core.config';
import { ConfigError } from '../core/config/config-error';
import { AuthConfig, MIN_SECRET_LENGTH } from './auth.config';

/**
 * The start-up step that gives a configuration without JWT_SECRET the data folder's secret,
 * generating it on the first start (outside production: there, loading refuses a missing
 * JWT_SECRET). Kept out of `loadConfig`, which only reads the environment; a configuration with a
 * secret comes back unchanged.
 */
export function ensureJwtSecret<C extends Pick<CoreConfig, 'dataDir'> & Pick<AuthConfig, 'jwt'>>(config: C): C {
  if (config.jwt.secret) return config;
  return { ...config, jwt: { ...config.jwt, secret: readOrCreateSecret(config.dataDir), generated: true } };
}

/** The generated secret survives restarts so sessions do too; it is never logged. */
function readOrCreateSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= MIN_SECRET_LENGTH) return existing;
    // An empty file is a crash between creating and writing it; anything else short is not ours.
    if (existing.length > 0) {
      throw new ConfigError([`JWT_SECRET: ${file} holds fewer than ${MIN_SECRET_LENGTH} characters; delete it or set JWT_SECRET`]);
    }
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}
