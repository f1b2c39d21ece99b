import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, timeUntil } from '../support/net';
import { FreshDatabase, freshDatabase } from '../support/postgres-server';
import { ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD } from '../support/test-app';

const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

class Instance {
  private constructor(
    readonly base: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(env: Record<string, string>): Promise<Instance> {
    const port = await freePort();
    // Only what the test passes decides the transport: the suite's own REDIS_URL must not leak in,
    // or the LISTEN/NOTIFY case would quietly run over Redis.
    const { REDIS_URL: _inherited, ...inherited } = process.env;
    const child = spawn(process.execPath, [MAIN], {
      env: { ...inherited, ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: 'ignore',
    });
    const instance = new Instance(`http://127.0.0.1:${port}`, child);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`instance exited with ${child.exitCode}`);
      try {
        if ((await fetch(`${instance.base}/api/health`)).ok) return instance;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('instance did not become healthy');
  }

  async call(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(this.base + path, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  }

  stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }
}

/** Every change must reach the other instance within this. */
const WITHIN_MS = 3000;

describe.each([
  ['Redis pub/sub', { REDIS_URL }],
  ['PostgreSQL LISTEN/NOTIFY', {}],
])('changes reach every instance within a second via %s (integration, two processes)', (transport, extraEnv) => {
  let database: FreshDatabase;
  let a: Instance;
  let b: Instance;
  let token: Record<string, string>;
  let userId: string;

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error('dist/src/main.js is missing: run `npm run build` before the integration suite');
    database = (await freshDatabase()) as FreshDatabase;
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: database.url,
      JWT_SECRET: randomBytes(48).toString('base64url'),
      ARGUS_ADMIN_EMAIL: ADMIN_EMAIL,
      ARGUS_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LOG_LEVEL: 'warn',
      // Only a pushed invalidation can explain a change seen in under a second.
      API_KEY_CACHE_TTL_SECONDS: '3600',
      RATE_LIMIT_ANONYMOUS: '1000000/1h',
      RATE_LIMIT_ANONYMOUS_BURST: '1000000/1s',
      RATE_LIMIT_LOGIN: '1000000/1m',
      // Logins are limited per address too, counted in Redis across runs like sign-ups.
      RATE_LIMIT_LOGIN_IP: '1000000/1m',
      // Sign-ups are limited per address; with Redis the count outlives the processes (and this run).
      RATE_LIMIT_REGISTER: '1000000/1h',
      ...extraEnv,
    };
    a = await Instance.start(env);
    b = await Instance.start(env);
    const email = `spread-${randomBytes(4).toString('hex')}@example.com`;
    await a.call('POST', '/api/auth/register', {}, { email, password: PASSWORD });
    const login = await a.call('POST', '/api/auth/login', {}, { email, password: PASSWORD });
    token = { authorization: `Bearer ${login.body.data.accessToken}` };
    userId = login.body.data.user.id;
  }, 90_000);

  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await database?.drop();
  });

  it('a key created on A works at once on B, and its revocation on A is refused on B within 1 s', async () => {
    const created = await a.call('POST', '/api/keys', token, { name: 'spread' });
    const key = { 'x-api-key': created.body.data.key };
    expect((await b.call('GET', '/api/auth/verify', key)).status).toBe(200);
    expect((await b.call('GET', '/api/auth/verify', key)).status).toBe(200); // now cached on B

    expect((await a.call('DELETE', `/api/keys/${created.body.data.id}`, token)).status).toBe(200);
    const elapsed = await timeUntil(async () => (await b.call('GET', '/api/auth/verify', key)).status === 401, WITHIN_MS);
    console.log(`[${transport}] revocation on A refused on B after ${elapsed} ms`);
    expect(elapsed).toBeLessThan(1000);
    expect((await b.call('GET', '/api/auth/verify', key)).body.code).toBe('api_key_revoked');
  });

  it('a demotion inside an organisation on A narrows the member’s bound key on B within 1 s; revoking it there kills its child', async () => {
    const email = `member-${randomBytes(4).toString('hex')}@example.com`;
    await a.call('POST', '/api/auth/register', {}, { email, password: PASSWORD });
    const login = await a.call('POST', '/api/auth/login', {}, { email, password: PASSWORD });
    const member = { authorization: `Bearer ${login.body.data.accessToken}` };
    const organizationId = (await a.call('POST', '/api/v1/organizations', token, { name: 'Spread' })).body.data.id;
    const projectId = (await a.call('POST', '/api/v1/projects', token, { organizationId, name: 'shared' })).body.data.id;
    await a.call('POST', `/api/v1/organizations/${organizationId}/members`, token, { userId: login.body.data.user.id, role: 'admin' });
    const created = await a.call('POST', '/api/keys', member, {
      name: 'organisation key',
      organizationId,
      scopes: ['read:projects', 'write:projects', 'write:keys'],
    });
    const key = { 'x-api-key': created.body.data.key };
    const write = () => b.call('PATCH', `/api/v1/projects/${projectId}`, key, { description: 'from B' });
    expect((await write()).status).toBe(200); // the key and the role are now cached on B

    await a.call('PATCH', `/api/v1/organizations/${organizationId}/members/${login.body.data.user.id}`, token, { role: 'member' });
    const narrowed = await timeUntil(async () => (await write()).status === 403, WITHIN_MS);
    console.log(`[${transport}] organisation demotion on A narrowed the key on B after ${narrowed} ms`);
    expect(narrowed).toBeLessThan(1000);

    const child = await a.call('POST', '/api/keys', key, { name: 'child', scopes: ['read:projects'] });
    const childKey = { 'x-api-key': child.body.data.key };
    expect((await b.call('GET', `/api/v1/projects/${projectId}`, childKey)).status).toBe(200);
    expect((await a.call('DELETE', `/api/keys/${created.body.data.id}`, member)).status).toBe(200);
    const cascaded = await timeUntil(
      async () => (await b.call('GET', `/api/v1/projects/${projectId}`, childKey)).status === 401,
      WITHIN_MS,
    );
    console.log(`[${transport}] revoking a parent on A refused its child on B after ${cascaded} ms`);
    expect(cascaded).toBeLessThan(1000);
  });

  it('deactivating a user on A locks them out on B within 1 s', async () => {
    const admin = await a.call('POST', '/api/auth/login', {}, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    const adminAuth = { authorization: `Bearer ${admin.body.data.accessToken}` };
    expect((await b.call('GET', '/api/auth/verify', token)).status).toBe(200);
    expect((await a.call('PATCH', `/api/admin/users/${userId}`, adminAuth, { isActive: false })).status).toBe(200);
    const elapsed = await timeUntil(async () => (await b.call('GET', '/api/auth/verify', token)).status === 401, WITHIN_MS);
    console.log(`[${transport}] deactivation on A refused on B after ${elapsed} ms`);
    expect(elapsed).toBeLessThan(1000);
  });
});
