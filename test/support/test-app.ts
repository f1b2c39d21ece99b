import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory';
import { Clock } from '../../src/core/time/clock';
import { PasswordHashCost } from '../../src/core/crypto/password-hash-cost';
import { loadConfig } from '../../src/app.config';
import { embeddedSnapshot } from './embedded-snapshot';
import { FreshDatabase, freshDatabase } from './postgres-server';

export const TEST_JWT_SECRET = 'test-secret-' + 'x'.repeat(40);
export const ADMIN_EMAIL = 'root@argus.test';
export const ADMIN_PASSWORD = 'admin-password-0123';
export const PASSWORD = 'a-long-enough-password';
/**
 * Still argon2id, at 256 KiB and one pass instead of 19 MiB and two: a hash costs under a
 * millisecond instead of ~30 ms, which over the suites' thousands of sign-ups and logins is
 * most of a minute of CPU. What is tested (who may log in, what is stored and shown) is the same.
 */
export const TEST_PASSWORD_HASH_COST = new PasswordHashCost(256, 1, 1);

/** A clock the test moves by hand. */
export class TestClock extends Clock {
  private offsetMs = 0;
  private frozenAt?: number;

  override now(): number {
    return (this.frozenAt ?? Date.now()) + this.offsetMs;
  }

  /** Stop following real time (windows then only move when the test advances the clock). */
  freeze(): void {
    this.frozenAt = Date.now();
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface InjectOptions {
  headers?: Record<string, string>;
  body?: unknown;
  payload?: string | Buffer;
  /** The client's socket address (default 127.0.0.1). */
  remoteAddress?: string;
}

export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: any;
  text: string;
}

export interface Session {
  userId: string;
  email: string;
  accessToken: string;
  refreshToken: string;
  auth: Record<string, string>;
}

export interface TestAppOptions {
  /** A built dashboard to serve (test/support/web-build.ts); by default none, whatever dist/ holds. */
  webRoot?: string;
}

export interface CreatedKey {
  id: string;
  key: string;
  auth: Record<string, string>;
}

/**
 * The whole application, built as `main.ts` builds it, on a fresh database of its own: the
 * embedded one in memory for `npm test`, or a new database on the PostgreSQL server when
 * ARGUS_TEST_SERVER_URL is set (the integration suite). Either starts as a copy of the suite's
 * one migrated database (see global-setup.ts and integration-setup.ts), so an app does not pay
 * for initdb and the migrations.
 */
export class TestApp {
  /** Every log line the app wrote, to prove what it does and does not log. */
  logs: string[] = [];

  private constructor(
    readonly app: NestFastifyApplication,
    readonly clock: TestClock,
    /** The PostgreSQL database of this app (integration suite), for a second instance to share. */
    readonly databaseUrl: string | undefined,
    private readonly cleanup: () => Promise<void>,
  ) {}

  /**
   * A second instance can share the first one's database (`sharedDatabaseUrl`): it then never
   * drops it. (Passport registers strategies in one process-wide registry, so instances in one
   * process share strategy objects; state that must be shared across instances lives in
   * PostgreSQL and Redis, which is what multi-instance tests exercise.)
   */
  static async start(env: Record<string, string> = {}, sharedDatabaseUrl?: string, options: TestAppOptions = {}): Promise<TestApp> {
    const dataDir = mkdtempSync(join(tmpdir(), 'argus-test-'));
    const database: FreshDatabase | undefined = sharedDatabaseUrl
      ? { url: sharedDatabaseUrl, drop: async () => undefined }
      : await freshDatabase({ migrated: true });
    const config = loadConfig({
      NODE_ENV: 'test',
      JWT_SECRET: TEST_JWT_SECRET,
      ARGUS_DATA_DIR: dataDir,
      ARGUS_EMBEDDED_IN_MEMORY: 'true',
      ARGUS_ADMIN_EMAIL: ADMIN_EMAIL,
      ARGUS_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LOG_LEVEL: 'info',
      DATABASE_POOL_SIZE: '5',
      // Suites hammer login and register from one address; the rate-limit suite sets real limits.
      RATE_LIMIT_ANONYMOUS: '1000000/1h',
      RATE_LIMIT_ANONYMOUS_BURST: '1000000/1s',
      RATE_LIMIT_LOGIN: '1000000/1m',
      RATE_LIMIT_LOGIN_IP: '1000000/1m',
      RATE_LIMIT_LOGIN_TRUSTED: '1000000/1m',
      RATE_LIMIT_API_KEY: '1000000/1m',
      RATE_LIMIT_JWT: '1000000/1m',
      RATE_LIMIT_REGISTER: '1000000/1h',
      ...(database ? { DATABASE_URL: database.url } : {}),
      ...env,
    });
    const clock = new TestClock();
    const logs: string[] = [];
    const logDestination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString());
        done();
      },
    });
    const app = await createApp(config, {
      clock,
      logDestination,
      embeddedSnapshot: database ? undefined : embeddedSnapshot(),
      passwordHashCost: TEST_PASSWORD_HASH_COST,
      webRoot: options.webRoot ?? false,
    });
    const testApp = new TestApp(app, clock, database?.url, async () => {
      await app.close();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });
    testApp.logs = logs;
    return testApp;
  }

  /** An app and its admin's session, for the suites that act as the admin throughout. */
  static async startWithAdmin(env: Record<string, string> = {}): Promise<{ app: TestApp; admin: Session }> {
    const app = await TestApp.start(env);
    return { app, admin: await app.admin() };
  }

  close(): Promise<void> {
    return this.cleanup();
  }

  async request(method: string, url: string, options: InjectOptions = {}): Promise<TestResponse> {
    const response = await this.app.inject({
      method: method as 'GET',
      url,
      headers: options.headers,
      ...(options.remoteAddress ? { remoteAddress: options.remoteAddress } : {}),
      ...(options.body !== undefined ? { payload: options.body as object } : {}),
      ...(options.payload !== undefined ? { payload: options.payload } : {}),
    });
    let body: unknown;
    try {
      body = response.body ? JSON.parse(response.body) : undefined;
    } catch {
      body = undefined;
    }
    return { status: response.statusCode, headers: response.headers, body, text: response.body };
  }

  get(url: string, headers?: Record<string, string>) {
    return this.request('GET', url, { headers });
  }

  post(url: string, body?: unknown, headers?: Record<string, string>) {
    return this.request('POST', url, { body: body ?? {}, headers });
  }

  patch(url: string, body: unknown, headers?: Record<string, string>) {
    return this.request('PATCH', url, { body, headers });
  }

  put(url: string, body: unknown, headers?: Record<string, string>) {
    return this.request('PUT', url, { body, headers });
  }

  delete(url: string, headers?: Record<string, string>) {
    return this.request('DELETE', url, { headers });
  }

  async login(email: string, password: string): Promise<Session> {
    const res = await this.post('/api/auth/login', { email, password });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
    const { accessToken, refreshToken, user } = res.body.data;
    return { userId: user.id, email, accessToken, refreshToken, auth: { authorization: `Bearer ${accessToken}` } };
  }

  /** Registers a new user with a unique email and logs in. */
  async newUser(label = 'user'): Promise<Session> {
    const email = `${label}-${randomBytes(4).toString('hex')}@example.com`;
    const res = await this.post('/api/auth/register', { email, password: PASSWORD });
    if (res.status !== 201) throw new Error(`register failed: ${res.status} ${res.text}`);
    return this.login(email, PASSWORD);
  }

  admin(): Promise<Session> {
    return this.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  }

  async createKey(session: { auth: Record<string, string> }, body: Record<string, unknown> = {}): Promise<CreatedKey> {
    const res = await this.post('/api/keys', { name: 'test key', ...body }, session.auth);
    if (res.status !== 201) throw new Error(`create key failed: ${res.status} ${res.text}`);
    const { id, key } = res.body.data;
    return { id, key, auth: { 'x-api-key': key } };
  }
}
