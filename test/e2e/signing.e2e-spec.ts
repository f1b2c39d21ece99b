import { createHmac, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { Session, TEST_JWT_SECRET, TestApp } from '../support/test-app';

type Jose = typeof import('jose');
type Jwk = Record<string, string>;

const b64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = (): number => Math.floor(Date.now() / 1000);
const headerOf = (token: string): Record<string, string> => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
const claims = (sub: string) => ({
  sub,
  jti: '7d6f1b0e-3d2f-4c53-9a41-0d7c9d2a5e11',
  iat: now(),
  exp: now() + 600,
  iss: 'argus',
  aud: 'argus-api',
});

function hs256(header: object, payload: object, secret: string | Buffer): string {
  const unsigned = `${b64url(header)}.${b64url(payload)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

/** Signing keys and JWKS with the default JWT_ALGORITHM (ES256): what any other service sees. */
describe('signing keys and JWKS (e2e)', () => {
  let jose: Jose;
  let t: TestApp;
  let admin: Session;
  let user: Session;
  const jwks = async (): Promise<{ keys: Jwk[] }> => (await t.get('/oauth/jwks')).body;
  const verifies = async (token: string): Promise<number> => (await t.get('/api/auth/verify', { authorization: `Bearer ${token}` })).status;

  beforeAll(async () => {
    // ESM-only: Jest's CommonJS runtime loads it through import() (--experimental-vm-modules).
    jose = await import('jose');
    ({ app: t, admin } = await TestApp.startWithAdmin());
    user = await t.newUser('signing');
  });
  afterAll(() => t.close());

  it('publishes the public key only, outside the JSON API, cacheable', async () => {
    const res = await t.get('/oauth/jwks');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(Object.keys(res.body)).toEqual(['keys']);
    expect(res.body.keys).toHaveLength(1);
    const [key] = res.body.keys as Jwk[];
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(key).not.toHaveProperty(secret);
    expect((await t.get('/api/oauth/jwks')).status).toBe(404);
  });

  it('signs login tokens with the active key: jose verifies them against the JWKS', async () => {
    const set = jose.createLocalJWKSet(await jwks());
    const { payload, protectedHeader } = await jose.jwtVerify(user.accessToken, set, {
      issuer: 'argus',
      audience: 'argus-api',
      algorithms: ['ES256'],
    });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'JWT', kid: (await jwks()).keys[0].kid });
    expect(payload).toMatchObject({ sub: user.userId, iss: 'argus', aud: 'argus-api' });
    expect(payload.exp).toBe((payload.iat as number) + 3600);
  });

  it('lists keys to admins without private material, and to no one else', async () => {
    const res = await t.get('/api/admin/signing-keys', admin.auth);
    expect(res.status).toBe(200);
    expect(res.body.data[0]).toMatchObject({ alg: 'ES256', status: 'active', retiredAt: null, expiresAt: null });
    expect(Object.keys(res.body.data[0]).sort()).toEqual([
      'activatedAt',
      'alg',
      'createdAt',
      'expiresAt',
      'kid',
      'publicJwk',
      'retiredAt',
      'status',
    ]);
    expect(res.text).not.toMatch(/private|"d":|BEGIN/i);
    expect((await t.get('/api/admin/signing-keys', user.auth)).status).toBe(403);
    expect((await t.post('/api/admin/signing-keys/rotate', {}, user.auth)).status).toBe(403);
    expect((await t.get('/api/admin/signing-keys')).status).toBe(401);
    const key = await t.createKey(admin, { scopes: ['read:keys'] });
    expect((await t.post('/api/admin/signing-keys/rotate', {}, key.auth)).status).toBe(403);
  });

  it('rotates: new tokens carry the new kid, old tokens stay valid, the old key stays published', async () => {
    const before = user.accessToken;
    const oldKid = headerOf(before).kid;
    const res = await t.post('/api/admin/signing-keys/rotate', {}, admin.auth);
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ alg: 'ES256', status: 'active' });
    const newKid = res.body.data.kid as string;
    expect(newKid).not.toBe(oldKid);

    const after = await t.login(user.email, 'a-long-enough-password');
    expect(headerOf(after.accessToken).kid).toBe(newKid);
    expect(await verifies(before)).toBe(200);
    expect(await verifies(after.accessToken)).toBe(200);

    const published = await jwks();
    expect(published.keys.map((key) => key.kid)).toEqual([newKid, oldKid]);
    const set = jose.createLocalJWKSet(published);
    for (const token of [before, after.accessToken])
      await expect(jose.jwtVerify(token, set, { algorithms: ['ES256'] })).resolves.toBeDefined();

    const list = (await t.get('/api/admin/signing-keys', admin.auth)).body.data as Array<Record<string, string>>;
    expect(list.map((key) => [key.kid, key.status])).toEqual([
      [newKid, 'active'],
      [oldKid, 'retired'],
    ]);
    // Retired for the longest lifetime of a token it signed: JWT_EXPIRES_IN (1 h) plus a minute.
    expect(Date.parse(list[1].expiresAt) - Date.parse(list[1].retiredAt)).toBe(3_660_000);

    const events = (await t.get('/api/admin/audit-events?action=signing_key.rotated', admin.auth)).body.data;
    expect(events).toEqual([
      expect.objectContaining({
        actorId: admin.userId,
        targetType: 'signing_key',
        targetId: newKid,
        changes: { kid: { from: oldKid, to: newKid } },
      }),
    ]);

    // Once the old key's window has passed it is neither published nor verifying.
    t.clock.advance(3_661_000);
    expect(await verifies(before)).toBe(401);
    expect((await jwks()).keys.map((key) => key.kid)).toEqual([newKid]);
    expect(await verifies(after.accessToken)).toBe(200);
    t.clock.advance(-3_661_000);
    user = after;
  });

  describe('refuses', () => {
    let kid: string;
    let publicPem: string;
    beforeAll(async () => {
      const [jwk] = (await jwks()).keys;
      kid = jwk.kid;
      publicPem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
    });

    const unsigned = (header: object, payload: object) => `${b64url(header)}.${b64url(payload)}`;

    it.each<[string, () => string]>([
      ['alg "none"', () => `${unsigned({ alg: 'none', typ: 'JWT', kid }, claims(user.userId))}.`],
      ['alg "none" with a signature', () => `${unsigned({ alg: 'none', kid }, claims(user.userId))}.${user.accessToken.split('.')[2]}`],
      ['HS256 with the public key PEM as the HMAC secret', () => hs256({ alg: 'HS256', typ: 'JWT', kid }, claims(user.userId), publicPem)],
      [
        'HS256 with JWT_SECRET (never HMAC when asymmetric)',
        () => hs256({ alg: 'HS256', typ: 'JWT' }, claims(user.userId), TEST_JWT_SECRET),
      ],
      ['HS256 with JWT_SECRET and a real kid', () => hs256({ alg: 'HS256', typ: 'JWT', kid }, claims(user.userId), TEST_JWT_SECRET)],
      [
        'RS256 under the ES256 kid',
        () => {
          const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
          const input = unsigned({ alg: 'RS256', typ: 'JWT', kid }, claims(user.userId));
          return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
        },
      ],
      [
        'ES256 by another key under the real kid',
        () => {
          const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
          const input = unsigned({ alg: 'ES256', typ: 'JWT', kid }, claims(user.userId));
          return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
        },
      ],
      [
        'an unknown kid',
        () => `${unsigned({ ...headerOf(user.accessToken), kid: 'f'.repeat(36) }, claims(user.userId))}.${user.accessToken.split('.')[2]}`,
      ],
      ['no kid', () => `${unsigned({ alg: 'ES256', typ: 'JWT' }, claims(user.userId))}.${user.accessToken.split('.')[2]}`],
      [
        'a tampered payload under a real signature',
        () => {
          const [header, , signature] = user.accessToken.split('.');
          return `${header}.${b64url({ ...claims(admin.userId) })}.${signature}`;
        },
      ],
      [
        'a crit header',
        () => `${unsigned({ ...headerOf(user.accessToken), crit: ['exp'] }, claims(user.userId))}.${user.accessToken.split('.')[2]}`,
      ],
    ])('%s', async (_name, forge) => {
      expect(await verifies(user.accessToken)).toBe(200); // the real one first: a cached verification must not leak to forgeries
      const res = await t.get('/api/auth/verify', { authorization: `Bearer ${forge()}` });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_token');
    });
  });
});

/** EdDSA and RS256, selectable: the same contract with another key type. */
describe.each(['EdDSA', 'RS256'])('JWT_ALGORITHM=%s (e2e)', (alg) => {
  let jose: Jose;
  let t: TestApp;

  beforeAll(async () => {
    jose = await import('jose');
    t = await TestApp.start({ JWT_ALGORITHM: alg });
  });
  afterAll(() => t.close());

  it('signs login tokens that jose verifies against the JWKS, and the API accepts', async () => {
    const session = await t.newUser(alg.toLowerCase());
    const { keys } = (await t.get('/oauth/jwks')).body as { keys: Jwk[] };
    expect(keys).toEqual([expect.objectContaining({ alg, kty: alg === 'EdDSA' ? 'OKP' : 'RSA', use: 'sig' })]);
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(keys[0]).not.toHaveProperty(secret);
    const { protectedHeader } = await jose.jwtVerify(session.accessToken, jose.createLocalJWKSet({ keys }), { algorithms: [alg] });
    expect(protectedHeader).toMatchObject({ alg, kid: keys[0].kid });
    expect((await t.get('/api/auth/verify', session.auth)).status).toBe(200);
  });
});
