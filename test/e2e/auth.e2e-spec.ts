import { createHmac } from 'node:crypto';
import { PASSWORD, TEST_JWT_SECRET, TestApp } from '../support/test-app';

const b64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function signJwt(payload: object, header: object = { alg: 'HS256', typ: 'JWT' }, secret = TEST_JWT_SECRET): string {
  const unsigned = `${b64url(header)}.${b64url(payload)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

/** JWT_ALGORITHM=HS256: today's signing with JWT_SECRET, whose forged tokens these tests send (signing.e2e-spec.ts: the default, ES256). */
describe('auth (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.start({ JWT_ALGORITHM: 'HS256' });
  });
  afterAll(() => t.close());

  describe('POST /api/auth/register', () => {
    it('creates a user and never returns a hash', async () => {
      const res = await t.post('/api/auth/register', { email: 'Grace@Example.COM', password: PASSWORD, name: 'Grace' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ success: true, message: 'Account created' });
      expect(res.body.data).toMatchObject({ email: 'grace@example.com', name: 'Grace', role: 'user', isActive: true });
      expect(Object.keys(res.body.data).sort()).toEqual([
        'createdAt',
        'email',
        'id',
        'isActive',
        'mfaEnabled',
        'name',
        'role',
        'updatedAt',
      ]);
      expect(res.text).not.toMatch(/argon2|passwordHash|password/i);
    });

    it('answers 409 for an email already registered, whatever its case', async () => {
      await t.post('/api/auth/register', { email: 'dup@example.com', password: PASSWORD });
      const res = await t.post('/api/auth/register', { email: 'DUP@example.com', password: PASSWORD });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ success: false, code: 'conflict' });
      expect(res.body.requestId).toEqual(expect.any(String));
    });

    it.each([
      ['a short password', { email: 'short@example.com', password: 'short' }, 'password'],
      ['an invalid email', { email: 'not-an-email', password: PASSWORD }, 'email'],
      ['a missing email', { password: PASSWORD }, 'email'],
      ['an unknown field', { email: 'x@example.com', password: PASSWORD, role: 'admin' }, 'role'],
      ['a non-string name', { email: 'n@example.com', password: PASSWORD, name: 42 }, 'name'],
    ])('rejects %s with 400 validation_failed naming the field', async (_label, body, field) => {
      const res = await t.post('/api/auth/register', body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    });

    it('never stores a user for rejected input (the role field cannot promote anyone)', async () => {
      await t.post('/api/auth/register', { email: 'sneaky@example.com', password: PASSWORD, role: 'admin' });
      const login = await t.post('/api/auth/login', { email: 'sneaky@example.com', password: PASSWORD });
      expect(login.status).toBe(401);
    });
  });

  describe('POST /api/auth/login', () => {
    it('returns the token pair with no-store caching', async () => {
      const email = 'login@example.com';
      await t.post('/api/auth/register', { email, password: PASSWORD });
      const res = await t.post('/api/auth/login', { email: 'LOGIN@example.com', password: PASSWORD });
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body.data).toMatchObject({
        accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        tokenType: 'Bearer',
        expiresIn: 3600,
        refreshToken: expect.any(String),
        user: { email },
      });
      expect(new Date(res.body.data.expiresAt).getTime()).toBeGreaterThan(Date.now() + 3500_000);
      const [header, payload] = res.body.data.accessToken
        .split('.')
        .slice(0, 2)
        .map((p: string) => JSON.parse(Buffer.from(p, 'base64url').toString()));
      expect(header.alg).toBe('HS256');
      expect(payload).toMatchObject({ iss: 'argus', aud: 'argus-api', sub: res.body.data.user.id });
      expect(payload.jti).toEqual(expect.any(String));
      expect(payload.exp - payload.iat).toBe(3600);
    });

    it('gives the same 401 for an unknown email and a wrong password', async () => {
      await t.post('/api/auth/register', { email: 'known@example.com', password: PASSWORD });
      const wrongPassword = await t.post('/api/auth/login', { email: 'known@example.com', password: 'wrong-password-123' });
      const unknownEmail = await t.post('/api/auth/login', { email: 'nobody@example.com', password: 'wrong-password-123' });
      for (const res of [wrongPassword, unknownEmail]) {
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toContain('Bearer');
      }
      const strip = ({ requestId: _ignored, ...rest }: Record<string, unknown>) => rest;
      expect(strip(wrongPassword.body)).toEqual(strip(unknownEmail.body));
      expect(wrongPassword.body).toMatchObject({ success: false, code: 'invalid_credentials' });
    });

    it('rejects a body without a password with 400', async () => {
      const res = await t.post('/api/auth/login', { email: 'known@example.com' });
      expect(res.status).toBe(400);
    });
  });

  describe('access tokens', () => {
    it('authenticate GET /api/auth/verify', async () => {
      const session = await t.newUser();
      const res = await t.get('/api/auth/verify', session.auth);
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ authenticated: true, method: 'jwt', userId: session.userId, role: 'user' });
      expect(res.body.data.scopes).toEqual(expect.arrayContaining(['read:keys', 'write:keys']));
    });

    it('answers 401 with WWW-Authenticate when no credential is sent', async () => {
      const res = await t.get('/api/auth/verify');
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('unauthorized');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="argus"/);
    });

    const now = () => Math.floor(Date.now() / 1000);
    const claims = (sub: string) => ({
      sub,
      jti: 'c3b0d7d0-0000-4000-8000-000000000000',
      iat: now(),
      exp: now() + 600,
      iss: 'argus',
      aud: 'argus-api',
    });

    it('rejects alg "none"', async () => {
      const session = await t.newUser();
      const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims(session.userId))}.`;
      const res = await t.get('/api/auth/verify', { authorization: `Bearer ${token}` });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_token');
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    });

    it('rejects a tampered payload', async () => {
      const session = await t.newUser();
      const [header, , signature] = session.accessToken.split('.');
      const forged = `${header}.${b64url({ ...claims(session.userId), sub: '00000000-0000-4000-8000-000000000000' })}.${signature}`;
      const res = await t.get('/api/auth/verify', { authorization: `Bearer ${forged}` });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_token');
    });

    it.each([
      ['another secret', (sub: string) => signJwt(claims(sub), undefined, 'another-secret-that-is-long-enough-000000')],
      ['a wrong issuer', (sub: string) => signJwt({ ...claims(sub), iss: 'evil' })],
      ['a wrong audience', (sub: string) => signJwt({ ...claims(sub), aud: 'other' })],
      ['no exp', (sub: string) => signJwt({ ...claims(sub), exp: undefined })],
      ['HS512', (sub: string) => signJwt(claims(sub), { alg: 'HS512', typ: 'JWT' })],
      ['an unknown user', () => signJwt(claims('00000000-0000-4000-8000-000000000000'))],
    ])('rejects a token signed with %s', async (_label, make) => {
      const session = await t.newUser();
      const res = await t.get('/api/auth/verify', { authorization: `Bearer ${make(session.userId)}` });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_token');
    });

    it('answers token_expired for an expired token', async () => {
      const session = await t.newUser();
      const token = signJwt({ ...claims(session.userId), iat: now() - 7200, exp: now() - 3600 });
      const res = await t.get('/api/auth/verify', { authorization: `Bearer ${token}` });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('token_expired');
    });

    it('rejects garbage in the Authorization header', async () => {
      for (const value of ['Bearer', 'Bearer not.a.jwt', 'Basic dXNlcjpwYXNz', 'Bearer eyJ']) {
        const res = await t.get('/api/auth/verify', { authorization: value });
        expect(res.status).toBe(401);
      }
    });
  });

  describe('refresh tokens', () => {
    it('rotate on every use: the new pair works and the old refresh token is spent', async () => {
      const session = await t.newUser();
      const first = await t.post('/api/auth/refresh', { refreshToken: session.refreshToken });
      expect(first.status).toBe(200);
      expect(first.headers['cache-control']).toBe('no-store');
      expect(first.body.data.refreshToken).not.toBe(session.refreshToken);
      const verify = await t.get('/api/auth/verify', { authorization: `Bearer ${first.body.data.accessToken}` });
      expect(verify.status).toBe(200);

      const second = await t.post('/api/auth/refresh', { refreshToken: first.body.data.refreshToken });
      expect(second.status).toBe(200);
    });

    it('revoke the whole family when a spent token is replayed', async () => {
      const session = await t.newUser();
      const rotated = await t.post('/api/auth/refresh', { refreshToken: session.refreshToken });
      expect(rotated.status).toBe(200);

      // Past REFRESH_REUSE_WINDOW_SECONDS (5 s): a replay, not a parallel retry.
      t.clock.advance(6_000);
      const replay = await t.post('/api/auth/refresh', { refreshToken: session.refreshToken });
      expect(replay.status).toBe(401);
      expect(replay.body.code).toBe('invalid_token');

      // The legitimate successor dies with the family.
      const successor = await t.post('/api/auth/refresh', { refreshToken: rotated.body.data.refreshToken });
      expect(successor.status).toBe(401);
    });

    it('other sessions of the same user survive a replay in one family', async () => {
      const session = await t.newUser();
      const other = await t.login(session.email, PASSWORD);
      await t.post('/api/auth/refresh', { refreshToken: session.refreshToken });
      t.clock.advance(6_000);
      expect((await t.post('/api/auth/refresh', { refreshToken: session.refreshToken })).status).toBe(401);
      const res = await t.post('/api/auth/refresh', { refreshToken: other.refreshToken });
      expect(res.status).toBe(200);
    });

    it('expire after REFRESH_EXPIRES_IN', async () => {
      const session = await t.newUser();
      t.clock.advance(7 * 86_400_000 + 1000);
      try {
        const res = await t.post('/api/auth/refresh', { refreshToken: session.refreshToken });
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('token_expired');
      } finally {
        t.clock.advance(-(7 * 86_400_000 + 1000));
      }
    });

    it('unknown, empty or malformed tokens are refused', async () => {
      expect((await t.post('/api/auth/refresh', { refreshToken: 'nope' })).status).toBe(401);
      expect((await t.post('/api/auth/refresh', { refreshToken: '' })).status).toBe(400);
      expect((await t.post('/api/auth/refresh', {})).status).toBe(400);
      expect((await t.post('/api/auth/refresh', { refreshToken: 12 })).status).toBe(400);
    });
  });

  describe('POST /api/auth/logout', () => {
    it('revokes the refresh token family', async () => {
      const session = await t.newUser();
      const rotated = await t.post('/api/auth/refresh', { refreshToken: session.refreshToken });
      const res = await t.post('/api/auth/logout', { refreshToken: rotated.body.data.refreshToken });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ success: true, data: null, message: 'Logged out' });
      const after = await t.post('/api/auth/refresh', { refreshToken: rotated.body.data.refreshToken });
      expect(after.status).toBe(401);
    });

    it('answers 401 for an unknown token', async () => {
      const res = await t.post('/api/auth/logout', { refreshToken: 'unknown-token' });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_token');
    });
  });
});

describe('auth with registration closed (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.start({ ALLOW_REGISTRATION: 'false' });
  });
  afterAll(() => t.close());

  it('refuses registration with 403 and still lets the admin log in', async () => {
    const res = await t.post('/api/auth/register', { email: 'new@example.com', password: PASSWORD });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('forbidden');
    const admin = await t.admin();
    expect((await t.get('/api/auth/verify', admin.auth)).body.data.role).toBe('admin');
  });
});
