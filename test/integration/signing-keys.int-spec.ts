import { ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SecretBox } from '../../src/core/crypto/secret-box';
import { freePort, timeUntil } from '../support/net';
import { FreshDatabase, freshDatabase, withClient } from '../support/postgres-server';
import { ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD } from '../support/test-app';

const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');
const WITHIN_MS = 3000;

type Jwks = { keys: Array<Record<string, string>> };

/** One Argus process (the two-process pattern of propagation.int-spec.ts). */
class Instance {
  private constructor(
    readonly base: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(env: Record<string, string>): Promise<Instance> {
    const port = await freePort();
    const { REDIS_URL: _inherited, ...inherited } = process.env;
    const child = spawn(process.execPath, [MAIN], {
      env: { ...inherited, ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: 'ignore',
    });
    const instance = new Instance(`http://127.0.0.1:${port}`, child);
    const deadline = Date.now() + 60_000;
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

  jwks(): Promise<Jwks> {
    return this.call('GET', '/oauth/jwks').then((res) => res.body as Jwks);
  }

  async login(email: string, password: string): Promise<string> {
    const res = await this.call('POST', '/api/auth/login', {}, { email, password });
    if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
    return res.body.data.accessToken as string;
  }

  verify(token: string): Promise<number> {
    return this.call('GET', '/api/auth/verify', { authorization: `Bearer ${token}` }).then((res) => res.status);
  }

  stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }
}

const kidOf = (token: string): string => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid;

describe('signing keys shared by two instances (integration, two processes on PostgreSQL)', () => {
  const secret = randomBytes(48).toString('base64url');
  let database: FreshDatabase;
  let a: Instance;
  let b: Instance;
  let email: string;
  const activeKeys = () =>
    withClient(database.url, (client) => client.query(`SELECT kid FROM signing_keys WHERE retired_at IS NULL`)).then((r) => r.rows);

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error('dist/src/main.js is missing: run `npm run build` before the integration suite');
    database = (await freshDatabase()) as FreshDatabase;
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: database.url,
      JWT_SECRET: secret,
      ARGUS_ADMIN_EMAIL: ADMIN_EMAIL,
      ARGUS_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_ANONYMOUS: '1000000/1h',
      RATE_LIMIT_ANONYMOUS_BURST: '1000000/1s',
      RATE_LIMIT_LOGIN: '1000000/1m',
      RATE_LIMIT_LOGIN_IP: '1000000/1m',
      RATE_LIMIT_REGISTER: '1000000/1h',
    };
    // Both start at once on an empty database: they race to migrate and to make the first key.
    [a, b] = await Promise.all([Instance.start(env), Instance.start(env)]);
    email = `signing-${randomBytes(4).toString('hex')}@example.com`;
    await a.call('POST', '/api/auth/register', {}, { email, password: PASSWORD });
  }, 120_000);

  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await database?.drop();
  });

  it('makes exactly one key at the first start, and both publish it', async () => {
    expect(await activeKeys()).toHaveLength(1);
    const [fromA, fromB] = await Promise.all([a.jwks(), b.jwks()]);
    expect(fromA.keys).toHaveLength(1);
    expect(fromB).toEqual(fromA);
  });

  it('a token signed on one verifies on the other, and with jose against either JWKS', async () => {
    const jose = await import('jose');
    const fromA = await a.login(email, PASSWORD);
    const fromB = await b.login(email, PASSWORD);
    expect(kidOf(fromA)).toBe(kidOf(fromB));
    expect([await b.verify(fromA), await a.verify(fromB)]).toEqual([200, 200]);
    const set = jose.createLocalJWKSet(await b.jwks());
    await expect(jose.jwtVerify(fromA, set, { issuer: 'argus', audience: 'argus-api', algorithms: ['ES256'] })).resolves.toBeDefined();
  });

  it('a rotation on A reaches B within a second: B signs with the new key, old tokens stay valid on both', async () => {
    const admin = { authorization: `Bearer ${await a.login(ADMIN_EMAIL, ADMIN_PASSWORD)}` };
    const old = await b.login(email, PASSWORD);
    const rotated = await a.call('POST', '/api/admin/signing-keys/rotate', admin);
    expect(rotated.status).toBe(201);
    const newKid = rotated.body.data.kid as string;

    const elapsed = await timeUntil(async () => (await b.jwks()).keys[0]?.kid === newKid, WITHIN_MS);
    expect(elapsed).toBeLessThan(WITHIN_MS);
    expect((await b.jwks()).keys.map((key) => key.kid)).toEqual([newKid, kidOf(old)]);
    expect(kidOf(await b.login(email, PASSWORD))).toBe(newKid);
    expect([await a.verify(old), await b.verify(old)]).toEqual([200, 200]);
    expect(await activeKeys()).toEqual([{ kid: newKid }]);
  });

  it('a key B has not heard of is loaded on its first token; random kids stay 401', async () => {
    // A key written behind both instances' backs (no invalidation sent), as a lost message would leave it.
    const kid = randomUUID();
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' };
    const sealed = new SecretBox(secret, 'jwt-signing-keys').seal(privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
    await withClient(database.url, (client) =>
      client.query(
        `INSERT INTO signing_keys (kid, alg, public_jwk, private_key, created_at, activated_at, retired_at, expires_at)
         VALUES ($1, 'ES256', $2, $3, now(), now(), now(), now() + interval '1 hour')`,
        [kid, JSON.stringify(jwk), sealed],
      ),
    );
    const userId = (await b.call('GET', '/api/auth/verify', { authorization: `Bearer ${await b.login(email, PASSWORD)}` })).body.data
      .userId;
    const t = Math.floor(Date.now() / 1000);
    const claims = { sub: userId, jti: randomUUID(), iat: t, exp: t + 600, iss: 'argus', aud: 'argus-api' };
    const forge = (header: object): string => {
      const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
      return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
    };

    for (let i = 0; i < 20; i++) expect(await b.verify(forge({ alg: 'ES256', typ: 'JWT', kid: randomUUID() }))).toBe(401);
    expect(await b.verify(forge({ alg: 'ES256', typ: 'JWT', kid }))).toBe(200);
    expect((await b.jwks()).keys.map((key) => key.kid)).toContain(kid);
  });
});
