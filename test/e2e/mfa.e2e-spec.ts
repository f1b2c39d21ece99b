import { totpCode } from '../../src/auth/mfa/totp';
import { ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, Session, TestApp, TestResponse } from '../support/test-app';

const STEP = 30_000;

interface Enrolled {
  secret: string;
  recoveryCodes: string[];
}

function setCookies(res: TestResponse): string[] {
  const raw = res.headers['set-cookie'];
  return raw === undefined ? [] : Array.isArray(raw) ? raw : [String(raw)];
}

describe('two-factor authentication (e2e)', () => {
  let t: TestApp;
  let admin: Session;

  /** The current code, after moving the clock a step on so the code has not been used yet. */
  const nextCode = (secret: string): string => {
    t.clock.advance(STEP);
    return totpCode(secret, t.clock.now());
  };

  async function enrol(session: Session): Promise<Enrolled> {
    const started = await t.post('/api/auth/mfa/totp', {}, session.auth);
    expect(started.status).toBe(201);
    const confirmed = await t.post('/api/auth/mfa/totp/confirm', { code: nextCode(started.body.data.secret) }, session.auth);
    expect(confirmed.status).toBe(200);
    return { secret: started.body.data.secret, recoveryCodes: confirmed.body.data.recoveryCodes };
  }

  async function passwordStep(email: string, password = PASSWORD): Promise<string> {
    const res = await t.post('/api/auth/login', { email, password });
    expect(res.status).toBe(200);
    expect(res.body.data.mfaRequired).toBe(true);
    return res.body.data.mfaToken;
  }

  const auditOf = async (action: string, targetId: string) =>
    (await t.get(`/api/admin/audit-events?action=${action}&targetId=${targetId}`, admin.auth)).body.data;

  beforeAll(async () => {
    t = await TestApp.start();
    admin = await t.admin();
  });
  afterAll(() => t.close());

  describe('setting it up', () => {
    it('starts with a secret, its otpauth URI and a QR code, and turns on with the first code', async () => {
      const user = await t.newUser('enrol');
      expect((await t.get('/api/auth/mfa', user.auth)).body.data).toEqual({
        enabled: false,
        enabledAt: null,
        pending: false,
        recoveryCodesLeft: 0,
        required: false,
      });
      const started = await t.post('/api/auth/mfa/totp', {}, user.auth);
      expect(started.status).toBe(201);
      const { secret, otpauthUri, qrCode } = started.body.data;
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(otpauthUri).toContain(`secret=${secret}`);
      expect(otpauthUri).toContain('issuer=Argus');
      expect(qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
      expect(Buffer.from(qrCode.split(',')[1], 'base64').toString()).toContain('<svg');
      expect((await t.get('/api/auth/mfa', user.auth)).body.data).toMatchObject({ enabled: false, pending: true });

      const wrong = await t.post('/api/auth/mfa/totp/confirm', { code: '000000' }, user.auth);
      expect(wrong.status).toBe(400);
      expect(wrong.body.code).toBe('invalid_mfa_code');

      const confirmed = await t.post('/api/auth/mfa/totp/confirm', { code: nextCode(secret) }, user.auth);
      expect(confirmed.status).toBe(200);
      expect(confirmed.body.data.recoveryCodes).toHaveLength(10);
      expect(new Set(confirmed.body.data.recoveryCodes).size).toBe(10);
      expect(confirmed.body.data.recoveryCodes[0]).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);

      expect((await t.get('/api/auth/mfa', user.auth)).body.data).toMatchObject({ enabled: true, pending: false, recoveryCodesLeft: 10 });
      expect((await t.get('/api/auth/me', user.auth)).body.data.mfaEnabled).toBe(true);
      expect(await auditOf('mfa.enabled', user.userId)).toHaveLength(1);
      // The seed never leaves the server again, and is not in the audit trail.
      expect(JSON.stringify(await auditOf('mfa.enabled', user.userId))).not.toContain(secret);
      expect((await t.post('/api/auth/mfa/totp', {}, user.auth)).status).toBe(409);
      expect((await t.post('/api/auth/mfa/totp/confirm', { code: '123456' }, user.auth)).status).toBe(409);
    });

    it('refuses to confirm with no set-up pending, and bad input with a 400', async () => {
      const user = await t.newUser('nopending');
      expect((await t.post('/api/auth/mfa/totp/confirm', { code: '123456' }, user.auth)).status).toBe(409);
      const bad = await t.post('/api/auth/mfa/totp/confirm', { code: 123456 }, user.auth);
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('validation_failed');
    });

    it('is for the account’s owner: 401 without credentials, 403 for a key without the mfa scopes, CSRF for the cookie', async () => {
      const user = await t.newUser('scopes');
      expect((await t.get('/api/auth/mfa')).status).toBe(401);
      const key = await t.createKey(user, { scopes: ['read:keys', 'write:keys'] });
      const refused = await t.post('/api/auth/mfa/totp', {}, key.auth);
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('insufficient_scope');
      expect((await t.request('DELETE', '/api/auth/mfa', { body: { password: PASSWORD }, headers: key.auth })).status).toBe(403);
      // A key created without scopes gets the caller's, less the mfa ones.
      const byDefault = await t.createKey(user);
      expect((await t.get('/api/auth/mfa', byDefault.auth)).status).toBe(403);
      const scoped = await t.createKey(user, { scopes: ['read:mfa'] });
      expect((await t.get('/api/auth/mfa', scoped.auth)).status).toBe(200);

      const signIn = await t.request('POST', '/api/auth/sessions', {
        body: { email: user.email, password: PASSWORD },
        headers: { host: 'localhost' },
      });
      const cookie = setCookies(signIn)
        .map((line) => line.split(';', 1)[0])
        .join('; ');
      const noCsrf = await t.request('POST', '/api/auth/mfa/totp', { body: {}, headers: { host: 'localhost', cookie } });
      expect(noCsrf.status).toBe(403);
      expect(noCsrf.body.code).toBe('csrf_invalid');
    });
  });

  describe('logging in', () => {
    let user: Session;
    let enrolled: Enrolled;

    beforeAll(async () => {
      user = await t.newUser('login');
      enrolled = await enrol(user);
    });

    it('logs in an account without two-factor exactly as before', async () => {
      const plain = await t.newUser('plain');
      const res = await t.post('/api/auth/login', { email: plain.email, password: PASSWORD });
      expect(res.status).toBe(200);
      expect(res.body.data.accessToken).toBeDefined();
      expect(res.body.data.mfaRequired).toBeUndefined();
      expect(res.body.data.user.mfaEnabled).toBe(false);
    });

    it('answers the password step with an mfaToken and no tokens or cookie, then the code step with the login shape', async () => {
      const res = await t.post('/api/auth/login', { email: user.email, password: PASSWORD });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body.data).sort()).toEqual(['methods', 'mfaRequired', 'mfaToken', 'mfaTokenExpiresAt']);
      expect(res.body.data.methods).toEqual(['totp', 'recovery_code']);
      expect(setCookies(res)).toEqual([]);

      const done = await t.post('/api/auth/login/mfa', { mfaToken: res.body.data.mfaToken, code: nextCode(enrolled.secret) });
      expect(done.status).toBe(200);
      expect(done.body.data).toMatchObject({ tokenType: 'Bearer', user: { id: user.userId, mfaEnabled: true } });
      expect(setCookies(done).some((line) => line.startsWith('argus_device='))).toBe(true);
      expect((await t.get('/api/auth/me', { authorization: `Bearer ${done.body.data.accessToken}` })).status).toBe(200);
    });

    it('still refuses a wrong password with the same 401, before any code', async () => {
      const res = await t.post('/api/auth/login', { email: user.email, password: 'not-the-password-1' });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_credentials');
    });

    it('refuses a wrong code with attempts left, and audits it as a failed login', async () => {
      const mfaToken = await passwordStep(user.email);
      const wrong = await t.post('/api/auth/login/mfa', { mfaToken, code: '000000' });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toMatchObject({ code: 'invalid_mfa_code', attemptsLeft: 4 });
      const failures = await auditOf('user.login_failed', user.userId);
      expect(failures.some((event: { changes: { reason: { to: string } } }) => event.changes.reason.to === 'wrong_mfa_code')).toBe(true);
      // The token survives a wrong code.
      expect((await t.post('/api/auth/login/mfa', { mfaToken, code: nextCode(enrolled.secret) })).status).toBe(200);
    });

    it('uses an mfaToken once', async () => {
      const mfaToken = await passwordStep(user.email);
      expect((await t.post('/api/auth/login/mfa', { mfaToken, code: nextCode(enrolled.secret) })).status).toBe(200);
      const again = await t.post('/api/auth/login/mfa', { mfaToken, code: nextCode(enrolled.secret) });
      expect(again.status).toBe(401);
      expect(again.body.code).toBe('invalid_token');
    });

    it('accepts a TOTP code once (replay within its window is refused)', async () => {
      const code = nextCode(enrolled.secret);
      expect((await t.post('/api/auth/login/mfa', { mfaToken: await passwordStep(user.email), code })).status).toBe(200);
      const replay = await t.post('/api/auth/login/mfa', { mfaToken: await passwordStep(user.email), code });
      expect(replay.status).toBe(401);
      expect(replay.body.code).toBe('invalid_mfa_code');
    });

    it('kills the token after 5 wrong codes', async () => {
      const mfaToken = await passwordStep(user.email);
      for (let i = 0; i < 5; i += 1) expect((await t.post('/api/auth/login/mfa', { mfaToken, code: '000000' })).status).toBe(401);
      const right = await t.post('/api/auth/login/mfa', { mfaToken, code: nextCode(enrolled.secret) });
      expect(right.status).toBe(401);
      expect(right.body.code).toBe('invalid_token');
    });

    it('lets an mfaToken expire after 5 minutes', async () => {
      const mfaToken = await passwordStep(user.email);
      t.clock.advance(5 * 60_000 + 1000);
      const late = await t.post('/api/auth/login/mfa', { mfaToken, code: totpCode(enrolled.secret, t.clock.now()) });
      expect(late.status).toBe(401);
      expect(late.body.code).toBe('invalid_token');
    });

    it('signs in with a recovery code once, audited', async () => {
      const [code] = enrolled.recoveryCodes;
      const res = await t.post('/api/auth/login/mfa', { mfaToken: await passwordStep(user.email), code: code.toUpperCase() });
      expect(res.status).toBe(200);
      expect(await auditOf('mfa.recovery_code_used', user.userId)).toHaveLength(1);
      const again = await t.post('/api/auth/login/mfa', { mfaToken: await passwordStep(user.email), code });
      expect(again.status).toBe(401);
      expect(again.body.code).toBe('invalid_mfa_code');
      expect((await t.get('/api/auth/mfa', user.auth)).body.data.recoveryCodesLeft).toBe(9);
    });

    it('gives the browser sign-in its own code step: the cookie only after the code', async () => {
      const first = await t.request('POST', '/api/auth/sessions', {
        body: { email: user.email, password: PASSWORD },
        headers: { host: 'localhost' },
      });
      expect(first.status).toBe(200);
      expect(first.body.data.mfaRequired).toBe(true);
      expect(setCookies(first).filter((line) => line.includes('session'))).toEqual([]);
      const second = await t.request('POST', '/api/auth/sessions/mfa', {
        body: { mfaToken: first.body.data.mfaToken, code: nextCode(enrolled.secret) },
        headers: { host: 'localhost' },
      });
      expect(second.status).toBe(201);
      expect(second.body.data.csrfToken).toBeDefined();
      expect(setCookies(second).some((line) => line.startsWith('__Host-argus_session='))).toBe(true);
    });

    it('answers a 400 for a code step without its fields', async () => {
      const res = await t.post('/api/auth/login/mfa', { code: '123456' });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    });
  });

  describe('recovery codes and turning it off', () => {
    it('replaces the recovery codes after a code, and the old ones stop working', async () => {
      const user = await t.newUser('regen');
      const enrolled = await enrol(user);
      expect((await t.post('/api/auth/mfa/recovery-codes', {}, user.auth)).status).toBe(400);
      const res = await t.post('/api/auth/mfa/recovery-codes', { code: nextCode(enrolled.secret) }, user.auth);
      expect(res.status).toBe(200);
      expect(res.body.data.recoveryCodes).toHaveLength(10);
      const old = await t.post('/api/auth/login/mfa', { mfaToken: await passwordStep(user.email), code: enrolled.recoveryCodes[0] });
      expect(old.status).toBe(401);
      const fresh = await t.post('/api/auth/login/mfa', { mfaToken: await passwordStep(user.email), code: res.body.data.recoveryCodes[0] });
      expect(fresh.status).toBe(200);
    });

    it('turns off with the password (a wrong one is 403), audited; login is then one step again', async () => {
      const user = await t.newUser('disable');
      await enrol(user);
      const noProof = await t.request('DELETE', '/api/auth/mfa', { body: {}, headers: user.auth });
      expect(noProof.status).toBe(400);
      const wrong = await t.request('DELETE', '/api/auth/mfa', { body: { password: 'not-the-password-1' }, headers: user.auth });
      expect(wrong.status).toBe(403);
      expect(wrong.body.code).toBe('invalid_credentials');
      const off = await t.request('DELETE', '/api/auth/mfa', { body: { password: PASSWORD }, headers: user.auth });
      expect(off.status).toBe(200);
      expect(await auditOf('mfa.disabled', user.userId)).toHaveLength(1);
      const login = await t.post('/api/auth/login', { email: user.email, password: PASSWORD });
      expect(login.body.data.accessToken).toBeDefined();
      expect(login.body.data.user.mfaEnabled).toBe(false);
    });
  });

  describe('admin reset', () => {
    it('turns a user’s two-factor off (204), audited, and shows mfaEnabled in the admin list', async () => {
      const user = await t.newUser('reset');
      await enrol(user);
      const listed = await t.get('/api/admin/users?limit=100', admin.auth);
      expect(listed.body.data.find((row: { id: string }) => row.id === user.userId).mfaEnabled).toBe(true);

      expect((await t.delete(`/api/admin/users/${user.userId}/mfa`, user.auth)).status).toBe(403);
      expect((await t.delete('/api/admin/users/00000000-0000-4000-8000-000000000000/mfa', admin.auth)).status).toBe(404);
      expect((await t.delete('/api/admin/users/not-a-uuid/mfa', admin.auth)).status).toBe(400);
      const reset = await t.delete(`/api/admin/users/${user.userId}/mfa`, admin.auth);
      expect(reset.status).toBe(204);
      expect(reset.text).toBe('');
      expect(await auditOf('mfa.reset', user.userId)).toEqual([expect.objectContaining({ actorId: admin.userId })]);
      expect((await t.post('/api/auth/login', { email: user.email, password: PASSWORD })).body.data.accessToken).toBeDefined();
      // The user's tokens go on.
      expect((await t.get('/api/auth/me', user.auth)).body.data.mfaEnabled).toBe(false);
    });
  });
});

describe('REQUIRE_MFA_FOR_ADMINS and the login limits (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.start({ REQUIRE_MFA_FOR_ADMINS: 'true', RATE_LIMIT_LOGIN: '2/1h', RATE_LIMIT_LOGIN_TRUSTED: '2/1h' });
  });
  afterAll(() => t.close());

  it('lets an admin without two-factor sign in and set it up, but refuses admin routes with 403 mfa_required until then', async () => {
    const admin = await t.admin();
    const refused = await t.get('/api/admin/users', admin.auth);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('mfa_required');
    expect((await t.get('/api/auth/mfa', admin.auth)).body.data.required).toBe(true);
    // Not an admin route: still open.
    expect((await t.get('/api/keys', admin.auth)).status).toBe(200);

    const started = await t.post('/api/auth/mfa/totp', {}, admin.auth);
    t.clock.advance(STEP);
    const confirmed = await t.post('/api/auth/mfa/totp/confirm', { code: totpCode(started.body.data.secret, t.clock.now()) }, admin.auth);
    expect(confirmed.status).toBe(200);
    expect((await t.get('/api/admin/users', admin.auth)).status).toBe(200);

    // Logging in now takes the code.
    const step = await t.post('/api/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    expect(step.body.data.mfaRequired).toBe(true);
  });

  it('counts wrong codes against the login limits like wrong passwords (429)', async () => {
    const email = 'limits@example.com';
    expect((await t.post('/api/auth/register', { email, password: PASSWORD })).status).toBe(201);
    const user = await t.login(email, PASSWORD); // 1 of the account's budget
    const started = await t.post('/api/auth/mfa/totp', {}, user.auth);
    t.clock.advance(STEP);
    await t.post('/api/auth/mfa/totp/confirm', { code: totpCode(started.body.data.secret, t.clock.now()) }, user.auth);

    const step = await t.post('/api/auth/login', { email, password: PASSWORD }); // a known address: 1 of its own budget
    const mfaToken = step.body.data.mfaToken;
    expect((await t.post('/api/auth/login/mfa', { mfaToken, code: '000000' })).status).toBe(401); // 2 of 2 trusted
    expect((await t.post('/api/auth/login/mfa', { mfaToken, code: '000000' })).status).toBe(401); // 2 of 2 for the account
    const limited = await t.post('/api/auth/login/mfa', { mfaToken, code: '000000' });
    expect(limited.status).toBe(429);
    t.clock.advance(STEP);
    expect((await t.post('/api/auth/login/mfa', { mfaToken, code: totpCode(started.body.data.secret, t.clock.now()) })).status).toBe(429);
  });
});
