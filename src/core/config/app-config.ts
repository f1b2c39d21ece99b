import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isIpOrCidr } from '../validation/is-ip-or-cidr.decorator';
import { parseDuration } from './duration';
import { RetryPolicy, parseDurationMs, parseSchedule } from '../../webhooks/retry-policy';

/** Raised when the environment cannot produce a valid configuration. Names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export type TrustProxy = boolean | number | string[];

export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  trustProxy: TrustProxy;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  database: {
    /** PostgreSQL URL; undefined means the embedded database under `dataDir`. */
    url?: string;
    poolSize: number;
    migrate: boolean;
    /** Keep the embedded database in memory (tests only; nothing survives the process). */
    inMemory: boolean;
  };
  dataDir: string;
  jwt: {
    secret: string;
    /** True when the secret was generated into the data folder rather than configured. */
    generated: boolean;
    issuer: string;
    audience: string;
    expiresInSeconds: number;
  };
  refreshExpiresInSeconds: number;
  /** How long a just-spent refresh token answers 409 instead of revoking its family (0: never). */
  refreshReuseWindowSeconds: number;
  allowRegistration: boolean;
  /** Browser sessions: ended `ttlSeconds` after sign-in, or after `idleTimeoutSeconds` without a request. */
  sessions: { ttlSeconds: number; idleTimeoutSeconds: number };
  bootstrapAdmin?: { email: string; password: string };
  rateLimit: {
    enabled: boolean;
    strategy: 'fixed' | 'sliding' | 'token_bucket';
    apiKey: RateSetting;
    jwt: RateSetting;
    anonymous: RateSetting;
    anonymousBurst: RateSetting;
    /** Login attempts per account by clients it does not trust (no device token, unknown address). */
    loginPerAccount: RateSetting;
    /** Login attempts per client address by untrusted clients, whatever the account. */
    loginPerAddress: RateSetting;
    /** Login attempts per device token, and per known address of an account. */
    loginTrusted: RateSetting;
    /** How long a device token, and an address's standing as known for an account, last. */
    loginDeviceTtlSeconds: number;
    /** The fastest per-key rate an owner may set (requests per window); admins may exceed it. */
    keyCeiling: RateSetting;
    /** Extra limits that single routes declare (`@RouteRateLimit(name)`), per caller. */
    routes: { register: RateSetting };
    redisUrl?: string;
    /** What to do while Redis is unreachable: per-instance limits (open) or 503 (closed). */
    redisFailure: 'open' | 'closed';
  };
  webhooks: {
    /** Allow endpoints on loopback/private/link-local addresses (local development, tests). */
    allowPrivate: boolean;
    /** Retry schedule, endpoint back-off and disabling (see src/webhooks/retry-policy.ts). */
    retry: RetryPolicy;
    pollMs: number;
    timeoutMs: number;
    /** `key.expiring` is sent this many days before a key's expiresAt. */
    expiringNoticeDays: number;
    /** How often the scheduler looks for keys that expire soon. */
    schedulerIntervalMs: number;
  };
  apiKeys: {
    cacheTtlSeconds: number;
    cacheMaxEntries: number;
    /** While the database is unreachable, keys and users verified this recently are still served from cache (0: never). */
    staleGraceSeconds: number;
    negativeCacheTtlSeconds: number;
    lastUsedFlushSeconds: number;
    /** How long a rotated key keeps working by default, and at most. */
    rotationGraceSeconds: number;
    rotationMaxGraceSeconds: number;
  };
}

type Env = Record<string, string | undefined>;

/** `limit` requests per `windowSeconds`. */
export interface RateSetting {
  limit: number;
  windowSeconds: number;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const MIN_SECRET_LENGTH = 32;
const MIN_PASSWORD_LENGTH = 12;

/**
 * Reads and validates the whole configuration once, at start-up. Every problem is collected so
 * an operator fixes them in one go; the process refuses to start while any remains.
 */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const reader = new EnvReader(env, problems);

  const nodeEnv = reader.oneOf('NODE_ENV', ['development', 'production', 'test'] as const, 'development');
  const dataDir = resolve(reader.string('ARGUS_DATA_DIR', './data'));
  const databaseUrl = reader.optional('DATABASE_URL');
  const redisUrl = reader.optional('REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) problems.push('REDIS_URL: must be a redis:// or rediss:// URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL: must be a postgres:// or postgresql:// URL');
  }

  const config: AppConfig = {
    nodeEnv,
    port: reader.integer('PORT', 3000, 0, 65535),
    host: reader.string('HOST', '0.0.0.0'),
    trustProxy: parseTrustProxy(reader.optional('TRUST_PROXY'), problems),
    logLevel: reader.oneOf('LOG_LEVEL', LOG_LEVELS, nodeEnv === 'test' ? 'silent' : 'info'),
    database: {
      url: databaseUrl,
      poolSize: reader.integer('DATABASE_POOL_SIZE', 10, 1, 100),
      migrate: reader.boolean('ARGUS_MIGRATE', true),
      inMemory: reader.boolean('ARGUS_EMBEDDED_IN_MEMORY', false),
    },
    dataDir,
    jwt: {
      secret: '',
      generated: false,
      issuer: reader.string('JWT_ISSUER', 'argus'),
      audience: reader.string('JWT_AUDIENCE', 'argus-api'),
      expiresInSeconds: reader.duration('JWT_EXPIRES_IN', '1h', 60, 86_400),
    },
    refreshExpiresInSeconds: reader.duration('REFRESH_EXPIRES_IN', '7d', 300, 90 * 86_400),
    refreshReuseWindowSeconds: reader.integer('REFRESH_REUSE_WINDOW_SECONDS', 5, 0, 60),
    allowRegistration: reader.boolean('ALLOW_REGISTRATION', true),
    sessions: {
      ttlSeconds: reader.duration('SESSION_TTL', '7d', 300, 90 * 86_400),
      // Last use is recorded at most once a minute, so a shorter idle timeout could not be kept.
      idleTimeoutSeconds: reader.duration('SESSION_IDLE_TIMEOUT', '30m', 120, 90 * 86_400),
    },
    rateLimit: {
      enabled: reader.boolean('RATE_LIMIT_ENABLED', true),
      strategy: reader.oneOf('RATE_LIMIT_STRATEGY', ['fixed', 'sliding', 'token_bucket'] as const, 'sliding'),
      apiKey: reader.rate('RATE_LIMIT_API_KEY', '100/1m'),
      jwt: reader.rate('RATE_LIMIT_JWT', '1000/1m'),
      anonymous: reader.rate('RATE_LIMIT_ANONYMOUS', '100/1h'),
      anonymousBurst: reader.rate('RATE_LIMIT_ANONYMOUS_BURST', '5/1s'),
      loginPerAccount: reader.rate('RATE_LIMIT_LOGIN', '10/5m'),
      loginPerAddress: reader.rate('RATE_LIMIT_LOGIN_IP', '30/5m'),
      loginTrusted: reader.rate('RATE_LIMIT_LOGIN_TRUSTED', '5/5m'),
      loginDeviceTtlSeconds: reader.duration('LOGIN_DEVICE_TTL', '30d', 3600, 400 * 86_400),
      keyCeiling: reader.rate('RATE_LIMIT_KEY_CEILING', '10000/1m'),
      routes: { register: reader.rate('RATE_LIMIT_REGISTER', '20/1h') },
      redisUrl,
      redisFailure: reader.oneOf('RATE_LIMIT_REDIS_FAILURE', ['open', 'closed'] as const, 'open'),
    },
    webhooks: {
      allowPrivate: reader.boolean('WEBHOOK_ALLOW_PRIVATE', false),
      retry: readRetryPolicy(reader, problems),
      pollMs: reader.integer('WEBHOOK_POLL_MS', 1000, 50, 60_000),
      timeoutMs: reader.integer('WEBHOOK_TIMEOUT_MS', 5000, 100, 60_000),
      expiringNoticeDays: reader.integer('KEY_EXPIRING_NOTICE_DAYS', 7, 1, 365),
      schedulerIntervalMs: reader.integer('SCHEDULER_INTERVAL_MS', 60_000, 100, 3_600_000),
    },
    apiKeys: {
      cacheTtlSeconds: reader.integer('API_KEY_CACHE_TTL_SECONDS', 60, 1, 3600),
      cacheMaxEntries: reader.integer('API_KEY_CACHE_MAX_ENTRIES', 200_000, 100, 10_000_000),
      staleGraceSeconds: reader.integer('API_KEY_STALE_GRACE_SECONDS', 300, 0, 86_400),
      negativeCacheTtlSeconds: reader.integer('API_KEY_NEGATIVE_CACHE_TTL_SECONDS', 30, 0, 3600),
      lastUsedFlushSeconds: reader.integer('API_KEY_LAST_USED_FLUSH_SECONDS', 30, 1, 300),
      rotationGraceSeconds: reader.duration('KEY_ROTATION_GRACE', '1d', 0, 90 * 86_400),
      rotationMaxGraceSeconds: reader.duration('KEY_ROTATION_MAX_GRACE', '7d', 0, 90 * 86_400),
    },
  };

  const adminEmail = reader.optional('ARGUS_ADMIN_EMAIL');
  const adminPassword = reader.optional('ARGUS_ADMIN_PASSWORD');
  if (adminEmail !== undefined || adminPassword !== undefined) {
    if (adminEmail === undefined || !EMAIL_PATTERN.test(adminEmail)) {
      problems.push('ARGUS_ADMIN_EMAIL: must be a valid email when ARGUS_ADMIN_PASSWORD is set');
    }
    if (adminPassword === undefined || adminPassword.length < MIN_PASSWORD_LENGTH) {
      problems.push(`ARGUS_ADMIN_PASSWORD: must be at least ${MIN_PASSWORD_LENGTH} characters`);
    }
    if (adminEmail && adminPassword) config.bootstrapAdmin = { email: adminEmail, password: adminPassword };
  }

  const secret = reader.optional('JWT_SECRET');
  if (secret !== undefined) {
    if (secret.length < MIN_SECRET_LENGTH) {
      problems.push(`JWT_SECRET: must be at least ${MIN_SECRET_LENGTH} characters`);
    } else if (/^(change[-_ ]?me|secret|your[-_]?secret)/i.test(secret)) {
      problems.push('JWT_SECRET: is a placeholder; generate one with `openssl rand -base64 48`');
    }
    config.jwt.secret = secret;
  } else if (nodeEnv === 'production') {
    problems.push('JWT_SECRET: is required when NODE_ENV=production');
  }

  if (config.apiKeys.rotationGraceSeconds > config.apiKeys.rotationMaxGraceSeconds) {
    problems.push('KEY_ROTATION_GRACE: must not exceed KEY_ROTATION_MAX_GRACE');
  }
  if (config.sessions.idleTimeoutSeconds > config.sessions.ttlSeconds) {
    problems.push('SESSION_IDLE_TIMEOUT: must not exceed SESSION_TTL');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  if (!config.jwt.secret) {
    config.jwt.secret = readOrCreateSecret(dataDir);
    config.jwt.generated = true;
  }
  return config;
}

export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The generated secret survives restarts so sessions do too; it is never logged. */
const DEFAULT_RETRY_SCHEDULE = '5s,30s,2m,5m,15m,30m,1h,2h,4h,8h';

/** The webhook retry schedule and endpoint health settings; durations take ms, s, m, h or d. */
function readRetryPolicy(reader: EnvReader, problems: string[]): RetryPolicy {
  if (reader.optional('WEBHOOK_RETRY_BASE_SECONDS') !== undefined) {
    problems.push('WEBHOOK_RETRY_BASE_SECONDS: replaced by WEBHOOK_RETRY_SCHEDULE (a list of delays such as 5s,5m,30m,2h)');
  }
  const ms = (name: string, fallback: string, min: number, max: number): number => {
    const raw = reader.optional(name) ?? fallback;
    const value = parseDurationMs(raw);
    if (value === undefined || value < min || value > max) {
      problems.push(`${name}: must be a duration such as 500ms, 5s, 10m or 5d between ${min} ms and ${max} ms (got "${raw}")`);
      return parseDurationMs(fallback) as number;
    }
    return value;
  };
  const rawSchedule = reader.optional('WEBHOOK_RETRY_SCHEDULE') ?? DEFAULT_RETRY_SCHEDULE;
  let scheduleMs = parseSchedule(rawSchedule);
  if (!scheduleMs || scheduleMs.length > 50 || scheduleMs.some((delay) => delay > 7 * 86_400_000)) {
    problems.push(
      `WEBHOOK_RETRY_SCHEDULE: must be up to 50 comma-separated durations of at most 7d, such as 5s,5m,30m,2h (got "${rawSchedule}")`,
    );
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the rule misses the narrowing to number[] the policy below needs
    scheduleMs = parseSchedule(DEFAULT_RETRY_SCHEDULE) as number[];
  }
  const policy: RetryPolicy = {
    scheduleMs,
    maxAttempts: reader.integer('WEBHOOK_MAX_ATTEMPTS', 15, 1, 100),
    endpointBackoffAfter: reader.integer('WEBHOOK_ENDPOINT_BACKOFF_AFTER', 5, 1, 1000),
    endpointBackoffBaseMs: ms('WEBHOOK_ENDPOINT_BACKOFF', '1s', 10, 3_600_000),
    endpointBackoffMaxMs: ms('WEBHOOK_ENDPOINT_BACKOFF_MAX', '10m', 10, 86_400_000),
    disableAfterMs: ms('WEBHOOK_DISABLE_AFTER', '5d', 0, 365 * 86_400_000),
    disableAfterFailures: reader.integer('WEBHOOK_DISABLE_AFTER_FAILURES', 50, 1, 100_000),
  };
  if (policy.endpointBackoffMaxMs < policy.endpointBackoffBaseMs) {
    problems.push('WEBHOOK_ENDPOINT_BACKOFF_MAX: must not be shorter than WEBHOOK_ENDPOINT_BACKOFF');
  }
  return policy;
}

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

export function parseRate(raw: string): RateSetting | undefined {
  const match = /^(\d+)(?:\/(\w+))?$/.exec(raw.trim());
  if (!match) return undefined;
  const limit = Number(match[1]);
  const windowSeconds = parseDuration(match[2] ?? '1m');
  if (windowSeconds === undefined || limit < 1 || windowSeconds < 1 || windowSeconds > 31 * 86_400) return undefined;
  return { limit, windowSeconds };
}

function parseTrustProxy(raw: string | undefined, problems: string[]): TrustProxy {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  const entries = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = entries.filter((e) => !isIpOrCidr(e) && !['loopback', 'linklocal', 'uniquelocal'].includes(e));
  if (bad.length > 0) {
    problems.push(`TRUST_PROXY: "${bad.join(', ')}" is not an IP, CIDR, hop count, true/false, or loopback/linklocal/uniquelocal`);
  }
  return entries;
}

class EnvReader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  optional(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.optional(name) ?? fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < min || value > max) {
      this.problems.push(`${name}: must be an integer between ${min} and ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.optional(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    this.problems.push(`${name}: must be true or false (got "${raw}")`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.problems.push(`${name}: must be one of ${allowed.join(', ')} (got "${raw}")`);
    return fallback;
  }

  /** `100` (per minute), or `100/1m`, `5/1s`, `10000/1d`. */
  rate(name: string, fallback: string): RateSetting {
    const raw = this.optional(name) ?? fallback;
    const rate = parseRate(raw);
    if (rate === undefined) {
      this.problems.push(`${name}: must be requests per window such as 100/1m, 5/1s or 1000 (per minute) (got "${raw}")`);
      return parseRate(fallback) as RateSetting;
    }
    return rate;
  }

  duration(name: string, fallback: string, minSeconds: number, maxSeconds: number): number {
    const raw = this.optional(name) ?? fallback;
    const seconds = parseDuration(raw);
    if (seconds === undefined || seconds < minSeconds || seconds > maxSeconds) {
      this.problems.push(`${name}: must be a duration such as 900, 15m, 1h or 7d between ${minSeconds}s and ${maxSeconds}s (got "${raw}")`);
      return parseDuration(fallback) as number;
    }
    return seconds;
  }
}
