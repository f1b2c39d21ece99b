import { resolve } from 'node:path';
import { defineConfig } from './define-config';
import { TrustProxy, parseTrustProxy } from './parsers';
import { TlsSettings, readClientCertHeader, readTlsSettings } from './tls-settings';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The server, its database and log, Redis, and the authentication caches' size: what every layer may read. */
export interface CoreConfig {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  trustProxy: TrustProxy;
  /** HTTPS and client certificates (TLS_CERT, TLS_KEY, TLS_CLIENT_CA). */
  tls: TlsSettings;
  /** The header a TRUST_PROXY-trusted proxy forwards the client certificate in (CLIENT_CERT_HEADER, lower-case). */
  clientCertHeader: string;
  logLevel: (typeof LOG_LEVELS)[number];
  database: {
    /** PostgreSQL URL; undefined means the embedded database under `dataDir`. */
    url?: string;
    poolSize: number;
    migrate: boolean;
    /** Keep the embedded database in memory (tests only; nothing survives the process). */
    inMemory: boolean;
  };
  dataDir: string;
  /** Shares rate limits and cache invalidations across instances. */
  redis: { url?: string };
  /** The caches of keys, users and memberships (`API_KEY_CACHE_*`: every one of them follows the key cache). */
  cache: {
    ttlSeconds: number;
    maxEntries: number;
    /** While the database is unreachable, entries checked this recently are still served (0: never). */
    staleGraceSeconds: number;
  };
}

export const coreConfig = defineConfig('core', (reader): CoreConfig => {
  const nodeEnv = reader.oneOf('NODE_ENV', ['development', 'production', 'test'] as const, 'development');
  const dataDir = resolve(reader.string('ARGUS_DATA_DIR', './data'));
  const databaseUrl = reader.optional('DATABASE_URL');
  const redisUrl = reader.optional('REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) reader.problem('REDIS_URL: must be a redis:// or rediss:// URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    reader.problem('DATABASE_URL: must be a postgres:// or postgresql:// URL');
  }
  const port = reader.integer('PORT', 3000, 0, 65535);
  const host = reader.string('HOST', '0.0.0.0');
  const trustProxy = parseTrustProxy(reader.optional('TRUST_PROXY'));
  if (trustProxy.invalid.length > 0) {
    reader.problem(
      `TRUST_PROXY: "${trustProxy.invalid.join(', ')}" is not an IP, CIDR, hop count, true/false, or loopback/linklocal/uniquelocal`,
    );
  }
  return {
    nodeEnv,
    port,
    host,
    trustProxy: trustProxy.value,
    tls: readTlsSettings(reader),
    clientCertHeader: readClientCertHeader(reader),
    logLevel: reader.oneOf('LOG_LEVEL', LOG_LEVELS, nodeEnv === 'test' ? 'silent' : 'info'),
    database: {
      url: databaseUrl,
      poolSize: reader.integer('DATABASE_POOL_SIZE', 10, 1, 100),
      migrate: reader.boolean('ARGUS_MIGRATE', true),
      inMemory: reader.boolean('ARGUS_EMBEDDED_IN_MEMORY', false),
    },
    dataDir,
    redis: { url: redisUrl },
    cache: {
      ttlSeconds: reader.integer('API_KEY_CACHE_TTL_SECONDS', 60, 1, 3600),
      maxEntries: reader.integer('API_KEY_CACHE_MAX_ENTRIES', 200_000, 100, 10_000_000),
      staleGraceSeconds: reader.integer('API_KEY_STALE_GRACE_SECONDS', 300, 0, 86_400),
    },
  };
});
