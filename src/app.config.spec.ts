import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig, loadConfig } from './app.config';
import { ensureJwtSecret } from './auth/jwt-secret-file';
import { ConfigError } from './core/config/config-error';
import { TestPki } from '../test/support/certificates';

const GOOD_SECRET = 'k'.repeat(48);

/** What main.ts does before building the app: load, then read or generate the JWT secret. */
const start = (env: Record<string, string | undefined>): AppConfig => ensureJwtSecret(loadConfig(env));

/** Runs `load` (loadConfig by default) expecting it to fail, and hands back the ConfigError. */
function configError(
  env: Record<string, string | undefined>,
  load: (env: Record<string, string | undefined>) => unknown = loadConfig,
): ConfigError {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('loadConfig did not throw');
}

/** True when some problem is about `name` (problems start with the variable's name). */
const names = (error: ConfigError, name: string): boolean => error.problems.some((problem) => problem.startsWith(`${name}:`));

describe('loadConfig', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'argus-config-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('defaults', () => {
    let config: AppConfig;

    beforeEach(() => {
      config = loadConfig({ ARGUS_DATA_DIR: dataDir, JWT_SECRET: GOOD_SECRET });
    });

    it('uses the documented defaults', () => {
      expect(config.nodeEnv).toBe('development');
      expect(config.port).toBe(3000);
      expect(config.host).toBe('0.0.0.0');
      expect(config.jwt.expiresInSeconds).toBe(3600);
      expect(config.refreshExpiresInSeconds).toBe(604_800);
      expect(config.refreshReuseWindowSeconds).toBe(5);
      expect(config.allowRegistration).toBe(true);
      expect(config.requireMfaForAdmins).toBe(false);
      expect(config.trustProxy).toBe(false);
      expect(config.logLevel).toBe('info');
      expect(config.database).toEqual({ url: undefined, poolSize: 10, migrate: true, inMemory: false });
      expect(config.jwt).toMatchObject({ secret: GOOD_SECRET, generated: false, issuer: 'argus', audience: 'argus-api' });
      expect(config.bootstrapAdmin).toBeUndefined();
      expect(config.dataDir).toBe(dataDir);
      expect(config.rateLimit).toMatchObject({
        loginPerAccount: { limit: 10, windowSeconds: 300 },
        loginPerAddress: { limit: 30, windowSeconds: 300 },
        loginTrusted: { limit: 5, windowSeconds: 300 },
        loginDeviceTtlSeconds: 30 * 86_400,
      });
      expect(config.cache.staleGraceSeconds).toBe(300);
    });

    it('reads API_KEY_STALE_GRACE_SECONDS, 0 turning stale serving off', () => {
      for (const value of ['0', '900']) {
        const read = loadConfig({ ARGUS_DATA_DIR: dataDir, JWT_SECRET: GOOD_SECRET, API_KEY_STALE_GRACE_SECONDS: value });
        expect(read.cache.staleGraceSeconds).toBe(Number(value));
      }
    });

    it('is silent by default under NODE_ENV=test', () => {
      expect(loadConfig({ NODE_ENV: 'test', ARGUS_DATA_DIR: dataDir, JWT_SECRET: GOOD_SECRET }).logLevel).toBe('silent');
    });

    it('treats blank variables as unset', () => {
      const blank = loadConfig({ ARGUS_DATA_DIR: dataDir, JWT_SECRET: GOOD_SECRET, PORT: '   ', ALLOW_REGISTRATION: '' });
      expect(blank.port).toBe(3000);
      expect(blank.allowRegistration).toBe(true);
    });
  });

  it('reads the OAuth settings: dynamic registration off unless switched on; the public URL https when Argus serves TLS', () => {
    const config = loadConfig({ JWT_SECRET: GOOD_SECRET, ARGUS_PUBLIC_URL: 'https://id.example.com/', OAUTH_ACCESS_TOKEN_TTL: '15m' });
    expect(config.oauth).toEqual({
      publicUrl: 'https://id.example.com',
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 30 * 86_400,
      dynamicRegistration: false,
    });
    expect(loadConfig({ JWT_SECRET: GOOD_SECRET, PORT: '4000' }).oauth.publicUrl).toBe('http://localhost:4000');
    const pki = new TestPki();
    try {
      const tls = loadConfig({ JWT_SECRET: GOOD_SECRET, PORT: '4000', TLS_CERT: pki.server.certPath, TLS_KEY: pki.server.keyPath });
      expect(tls.oauth.publicUrl).toBe('https://localhost:4000');
    } finally {
      pki.remove();
    }
    expect(loadConfig({ JWT_SECRET: GOOD_SECRET, OAUTH_DYNAMIC_REGISTRATION: 'true' }).oauth.dynamicRegistration).toBe(true);
    expect(names(configError({ JWT_SECRET: GOOD_SECRET, OAUTH_DYNAMIC_REGISTRATION: 'maybe' }), 'OAUTH_DYNAMIC_REGISTRATION')).toBe(true);
    expect(names(configError({ JWT_SECRET: GOOD_SECRET, OAUTH_ACCESS_TOKEN_TTL: '10' }), 'OAUTH_ACCESS_TOKEN_TTL')).toBe(true);
    expect(names(configError({ JWT_SECRET: GOOD_SECRET, ARGUS_PUBLIC_URL: 'ftp://x' }), 'ARGUS_PUBLIC_URL')).toBe(true);
  });

  it('reads valid values', () => {
    const config = loadConfig({
      ARGUS_DATA_DIR: dataDir,
      JWT_SECRET: GOOD_SECRET,
      NODE_ENV: 'production',
      PORT: '8080',
      JWT_EXPIRES_IN: '15m',
      REFRESH_EXPIRES_IN: '30d',
      ALLOW_REGISTRATION: 'no',
      LOG_LEVEL: 'debug',
      DATABASE_URL: 'postgresql://u:p@db:5432/argus',
    });
    expect(config.nodeEnv).toBe('production');
    expect(config.port).toBe(8080);
    expect(config.jwt.expiresInSeconds).toBe(900);
    expect(config.refreshExpiresInSeconds).toBe(30 * 86_400);
    expect(config.allowRegistration).toBe(false);
    expect(config.logLevel).toBe('debug');
    expect(config.database.url).toBe('postgresql://u:p@db:5432/argus');
  });

  describe('invalid variables', () => {
    it.each([
      ['PORT', 'abc'],
      ['PORT', '70000'],
      ['JWT_EXPIRES_IN', 'forever'],
      ['JWT_EXPIRES_IN', '30'],
      ['JWT_ALGORITHM', 'none'],
      ['JWT_ALGORITHM', 'HS512'],
      ['JWT_ALGORITHM', 'es256'],
      ['JWT_KEY_ROTATION_INTERVAL', '10m'],
      ['JWT_KEY_ROTATION_INTERVAL', 'monthly'],
      ['REFRESH_REUSE_WINDOW_SECONDS', '61'],
      ['REFRESH_REUSE_WINDOW_SECONDS', '-1'],
      ['ALLOW_REGISTRATION', 'maybe'],
      ['REQUIRE_MFA_FOR_ADMINS', 'sometimes'],
      ['LOG_LEVEL', 'loud'],
      ['DATABASE_URL', 'mysql://x'],
      ['TRUST_PROXY', 'not-an-ip'],
      ['NODE_ENV', 'staging'],
      ['RATE_LIMIT_LOGIN_IP', 'lots'],
      ['RATE_LIMIT_LOGIN_TRUSTED', '0/5m'],
      ['LOGIN_DEVICE_TTL', '10m'],
      ['API_KEY_STALE_GRACE_SECONDS', '-1'],
      ['API_KEY_STALE_GRACE_SECONDS', '5m'],
      ['API_KEY_STALE_GRACE_SECONDS', '86401'],
    ])('names %s=%p', (name, value) => {
      const error = configError({ ARGUS_DATA_DIR: dataDir, JWT_SECRET: GOOD_SECRET, [name]: value });
      expect(error.problems).toHaveLength(1);
      expect(names(error, name)).toBe(true);
      expect(error.message).toContain(name);
    });

    it('signs ES256 by default, rotating every 30 days, and refuses an interval shorter than a token lifetime', () => {
      const config = loadConfig({ ARGUS_DATA_DIR: dataDir, JWT_SECRET: GOOD_SECRET });
      expect([config.jwt.algorithm, config.jwt.keyRotationIntervalSeconds]).toEqual(['ES256', 30 * 86_400]);
      const error = configError({
        ARGUS_DATA_DIR: dataDir,
        JWT_SECRET: GOOD_SECRET,
        JWT_EXPIRES_IN: '1d',
        JWT_KEY_ROTATION_INTERVAL: '2h',
      });
      expect(error.problems).toEqual(['JWT_KEY_ROTATION_INTERVAL: must be at least JWT_EXPIRES_IN']);
    });

    it('reports every problem at once', () => {
      const error = configError({
        ARGUS_DATA_DIR: dataDir,
        JWT_SECRET: GOOD_SECRET,
        PORT: 'abc',
        JWT_EXPIRES_IN: 'forever',
        ALLOW_REGISTRATION: 'maybe',
        LOG_LEVEL: 'loud',
        DATABASE_URL: 'mysql://x',
        TRUST_PROXY: 'not-an-ip',
        JWT_ALGORITHM: 'none',
        JWT_KEY_ROTATION_INTERVAL: 'monthly',
      });
      const expected = [
        'PORT',
        'JWT_EXPIRES_IN',
        'ALLOW_REGISTRATION',
        'LOG_LEVEL',
        'DATABASE_URL',
        'TRUST_PROXY',
        'JWT_ALGORITHM',
        'JWT_KEY_ROTATION_INTERVAL',
      ];
      expect(error.problems).toHaveLength(expected.length);
      for (const name of expected) {
        expect(names(error, name)).toBe(true);
        expect(error.message).toContain(name);
      }
    });

    it('reports the problems of every slice in one error', () => {
      const error = configError({
        ARGUS_DATA_DIR: dataDir,
        JWT_SECRET: GOOD_SECRET,
        PORT: 'abc',
        JWT_EXPIRES_IN: 'forever',
        RATE_LIMIT_API_KEY: 'lots',
        WEBHOOK_POLL_MS: '1',
        API_KEY_LAST_USED_FLUSH_SECONDS: '0',
      });
      const expected = ['PORT', 'JWT_EXPIRES_IN', 'RATE_LIMIT_API_KEY', 'WEBHOOK_POLL_MS', 'API_KEY_LAST_USED_FLUSH_SECONDS'];
      expect(error.problems).toHaveLength(expected.length);
      for (const name of expected) expect(names(error, name)).toBe(true);
    });

    it('does not generate a secret when the configuration is invalid', () => {
      configError({ ARGUS_DATA_DIR: dataDir, PORT: 'abc' }, start);
      expect(existsSync(join(dataDir, 'jwt-secret'))).toBe(false);
    });
  });

  describe('JWT_SECRET', () => {
    it('is required in production', () => {
      const error = configError({ NODE_ENV: 'production', ARGUS_DATA_DIR: dataDir }, start);
      expect(names(error, 'JWT_SECRET')).toBe(true);
      expect(existsSync(join(dataDir, 'jwt-secret'))).toBe(false);
    });

    it('must be long enough', () => {
      const error = configError({ ARGUS_DATA_DIR: dataDir, JWT_SECRET: 'short-secret' });
      expect(names(error, 'JWT_SECRET')).toBe(true);
    });

    it.each(['changeme' + 'x'.repeat(40), 'change-me-' + 'x'.repeat(40), 'secret' + 'x'.repeat(40), 'your_secret' + 'x'.repeat(40)])(
      'refuses the placeholder %p',
      (secret) => {
        const error = configError({ ARGUS_DATA_DIR: dataDir, JWT_SECRET: secret });
        expect(names(error, 'JWT_SECRET')).toBe(true);
        expect(error.problems.join(' ')).toMatch(/placeholder/);
      },
    );

    it('is generated into the data folder outside production, owner-only, and reused on the next start', () => {
      const nested = join(dataDir, 'nested', 'data');
      const first = start({ ARGUS_DATA_DIR: nested });
      const file = join(nested, 'jwt-secret');

      expect(first.jwt.generated).toBe(true);
      expect(first.jwt.secret.length).toBeGreaterThanOrEqual(32);
      expect(readFileSync(file, 'utf8')).toBe(first.jwt.secret);
      expect(statSync(file).mode & 0o777).toBe(0o600);

      const second = start({ ARGUS_DATA_DIR: nested });
      expect(second.jwt.secret).toBe(first.jwt.secret);
      expect(second.jwt.generated).toBe(true);
    });

    it('generates a different secret for a different data folder', () => {
      const other = mkdtempSync(join(tmpdir(), 'argus-config-'));
      try {
        expect(start({ ARGUS_DATA_DIR: other }).jwt.secret).not.toBe(start({ ARGUS_DATA_DIR: dataDir }).jwt.secret);
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
    });

    it('replaces an empty secret file (a crash between creating and writing it)', () => {
      writeFileSync(join(dataDir, 'jwt-secret'), '');
      const config = start({ ARGUS_DATA_DIR: dataDir });
      expect(config.jwt.secret.length).toBeGreaterThanOrEqual(32);
      expect(readFileSync(join(dataDir, 'jwt-secret'), 'utf8')).toBe(config.jwt.secret);
    });

    it('refuses a secret file that is too short, naming JWT_SECRET', () => {
      writeFileSync(join(dataDir, 'jwt-secret'), 'short');
      expect(names(configError({ ARGUS_DATA_DIR: dataDir }, start), 'JWT_SECRET')).toBe(true);
    });

    it('is not written to disk when configured', () => {
      const config = start({ ARGUS_DATA_DIR: dataDir, JWT_SECRET: GOOD_SECRET });
      expect(config.jwt).toMatchObject({ secret: GOOD_SECRET, generated: false });
      expect(existsSync(join(dataDir, 'jwt-secret'))).toBe(false);
    });

    it('is left to the start-up step: loadConfig reads the environment and writes nothing', () => {
      const config = loadConfig({ ARGUS_DATA_DIR: join(dataDir, 'nested') });
      expect(config.jwt).toMatchObject({ secret: '', generated: false });
      expect(existsSync(join(dataDir, 'nested'))).toBe(false);
    });
  });

  describe('bootstrap admin', () => {
    it('fails when ARGUS_ADMIN_EMAIL is set without a password', () => {
      const error = configError({ ARGUS_DATA_DIR: dataDir, JWT_SECRET: GOOD_SECRET, ARGUS_ADMIN_EMAIL: 'root@example.com' });
      expect(names(error, 'ARGUS_ADMIN_PASSWORD')).toBe(true);
    });

    it('fails when the password is set without a valid email', () => {
      const error = configError({
        ARGUS_DATA_DIR: dataDir,
        JWT_SECRET: GOOD_SECRET,
        ARGUS_ADMIN_EMAIL: 'not-an-email',
        ARGUS_ADMIN_PASSWORD: 'long-enough-password',
      });
      expect(names(error, 'ARGUS_ADMIN_EMAIL')).toBe(true);
    });

    it('fails on a short password', () => {
      const error = configError({
        ARGUS_DATA_DIR: dataDir,
        JWT_SECRET: GOOD_SECRET,
        ARGUS_ADMIN_EMAIL: 'root@example.com',
        ARGUS_ADMIN_PASSWORD: 'short',
      });
      expect(names(error, 'ARGUS_ADMIN_PASSWORD')).toBe(true);
    });

    it('is configured when both are valid', () => {
      const config = loadConfig({
        ARGUS_DATA_DIR: dataDir,
        JWT_SECRET: GOOD_SECRET,
        ARGUS_ADMIN_EMAIL: 'root@example.com',
        ARGUS_ADMIN_PASSWORD: 'long-enough-password',
      });
      expect(config.bootstrapAdmin).toEqual({ email: 'root@example.com', password: 'long-enough-password' });
    });
  });

  describe('TRUST_PROXY', () => {
    it.each([
      [undefined, false],
      ['false', false],
      ['true', true],
      ['2', 2],
      ['10.0.0.0/8,127.0.0.1', ['10.0.0.0/8', '127.0.0.1']],
      [' 10.0.0.0/8 , ::1 ', ['10.0.0.0/8', '::1']],
      ['loopback,uniquelocal', ['loopback', 'uniquelocal']],
    ])('parses %p', (raw, expected) => {
      expect(loadConfig({ ARGUS_DATA_DIR: dataDir, JWT_SECRET: GOOD_SECRET, TRUST_PROXY: raw }).trustProxy).toEqual(expected);
    });

    it.each(['cafe', '999.1.1.1', '10.0.0.0/999', '::1/129'])('refuses %p, naming TRUST_PROXY', (raw) => {
      expect(names(configError({ ARGUS_DATA_DIR: dataDir, JWT_SECRET: GOOD_SECRET, TRUST_PROXY: raw }), 'TRUST_PROXY')).toBe(true);
    });

    it('names only the bad entries of a list', () => {
      const error = configError({ ARGUS_DATA_DIR: dataDir, JWT_SECRET: GOOD_SECRET, TRUST_PROXY: '127.0.0.1,proxy.internal' });
      expect(names(error, 'TRUST_PROXY')).toBe(true);
      expect(error.problems[0]).toContain('proxy.internal');
      expect(error.problems[0]).not.toContain('127.0.0.1');
    });
  });
});
