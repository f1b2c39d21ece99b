import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, TestApp, TestResponse } from '../support/test-app';

const NEW_PASSWORD = 'an-even-longer-new-password';

/** A signed-in browser: its cookies and CSRF token. */
interface Browser {
  sessionId: string;
  token: string;
  headers: Record<string, string>;
}

function cookieJar(res: TestResponse): string {
  const raw = res.headers['set-cookie'];
  const lines = raw === undefined ? [] : Array.isArray(raw) ? raw : [String(raw)];
  return lines
    .map((line) => line.split(';', 1)[0])
    .filter((pair) => !pair.endsWith('='))
    .join('; ');
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

describe('account: profile, password, export, deletion (e2e)', () => {
  let t: TestApp;
  let db: DataSource;

  async function signIn(email: string, password = PASSWORD): Promise<Browser> {
    const res = await t.request('POST', '/api/auth/sessions', { body: { email, password }, headers: { host: 'localhost' } });
    if (res.status !== 201) throw new Error(`sign-in failed: ${res.status} ${res.text}`);
    const cookie = cookieJar(res);
    return {
      sessionId: res.body.data.session.id,
      token: /argus_session=([^;]+)/.exec(cookie)?.[1] as string,
      headers: { host: 'localhost', cookie, 'x-csrf-token': res.body.data.csrfToken },
    };
  }

  const error = (res: TestResponse) => [res.status, res.body?.code];

  beforeAll(async () => {
    t = await TestApp.start({ WEBHOOK_ALLOW_PRIVATE: 'true' });
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  describe('POST /api/auth/password', () => {
    it('refuses a wrong current password with 403 invalid_credentials in the contract shape, and keeps the old password', async () => {
      const user = await t.newUser('wrongpw');
      const res = await t.post('/api/auth/password', { currentPassword: 'not-my-password-at-all', newPassword: NEW_PASSWORD }, user.auth);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ success: false, code: 'invalid_credentials', error: 'The current password is incorrect' });
      expect(res.body.requestId).toEqual(expect.any(String));
      expect((await t.post('/api/auth/login', { email: user.email, password: PASSWORD })).status).toBe(200);
    });

    it('refuses a new password below the registration policy, or equal to the current one (400)', async () => {
      const user = await t.newUser('weakpw');
      const weak = await t.post('/api/auth/password', { currentPassword: PASSWORD, newPassword: 'short' }, user.auth);
      expect(error(weak)).toEqual([400, 'validation_failed']);
      expect(weak.body.details).toEqual([{ field: 'newPassword', messages: [expect.stringMatching(/longer than or equal to 12/)] }]);
      expect(error(await t.post('/api/auth/password', { currentPassword: PASSWORD, newPassword: PASSWORD }, user.auth))).toEqual([
        400,
        'validation_failed',
      ]);
      expect(error(await t.post('/api/auth/password', { currentPassword: PASSWORD }, user.auth))).toEqual([400, 'validation_failed']);
      expect(
        error(await t.post('/api/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, extra: 1 }, user.auth)),
      ).toEqual([400, 'validation_failed']);
    });

    it('is refused to an API key (403), to nobody (401) and to a session without its CSRF token (403)', async () => {
      const user = await t.newUser('keypw');
      const key = await t.createKey(user, { scopes: ['read:keys', 'write:keys', 'read:users'] });
      const body = { currentPassword: PASSWORD, newPassword: NEW_PASSWORD };
      expect(error(await t.post('/api/auth/password', body, key.auth))).toEqual([403, 'forbidden']);
      expect(error(await t.post('/api/auth/password', body))).toEqual([401, 'unauthorized']);
      const browser = await signIn(user.email);
      const { 'x-csrf-token': _csrf, ...cookiesOnly } = browser.headers;
      expect(error(await t.post('/api/auth/password', body, cookiesOnly))).toEqual([403, 'csrf_invalid']);
      expect((await t.post('/api/auth/login', { email: user.email, password: PASSWORD })).status).toBe(200);
    });

    it('changes it: other sessions, refresh tokens and older JWTs end; the asking browser stays; the old password fails', async () => {
      const user = await t.newUser('changepw');
      const asking = await signIn(user.email);
      const other = await signIn(user.email);
      // The JWT of newUser's login is issued a second or more before the change.
      t.clock.advance(2000);
      const res = await t.post('/api/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }, asking.headers);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');

      expect((await t.get('/api/auth/me', asking.headers)).status).toBe(200);
      expect(error(await t.get('/api/auth/me', other.headers))).toEqual([401, 'invalid_token']);
      expect(error(await t.post('/api/auth/refresh', { refreshToken: user.refreshToken }))).toEqual([401, 'invalid_token']);
      expect(error(await t.get('/api/auth/me', user.auth))).toEqual([401, 'invalid_token']);

      expect(error(await t.post('/api/auth/login', { email: user.email, password: PASSWORD }))).toEqual([401, 'invalid_credentials']);
      const again = await t.login(user.email, NEW_PASSWORD);
      expect((await t.get('/api/auth/me', again.auth)).status).toBe(200);

      const [event] = await db.query(
        `SELECT actor_id, target_id FROM audit_events WHERE action = 'user.password_changed' AND target_id = $1`,
        [user.userId],
      );
      expect(event).toEqual({ actor_id: user.userId, target_id: user.userId });
    });

    it('cuts off an access JWT issued before the change, for a JWT caller too', async () => {
      const user = await t.newUser('jwtpw');
      const older = await t.login(user.email, PASSWORD);
      t.clock.advance(2000);
      const res = await t.post('/api/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }, user.auth);
      expect(res.status).toBe(204);
      expect(error(await t.get('/api/auth/me', older.auth))).toEqual([401, 'invalid_token']);
      expect(error(await t.get('/api/auth/me', user.auth))).toEqual([401, 'invalid_token']);
    });
  });

  describe('PATCH /api/auth/me', () => {
    it('changes the name, and clears it with null', async () => {
      const user = await t.newUser('named');
      const res = await t.patch('/api/auth/me', { name: 'Ada Lovelace' }, user.auth);
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ id: user.userId, email: user.email, name: 'Ada Lovelace' });
      expect(res.text).not.toMatch(/password/i);
      expect((await t.patch('/api/auth/me', { name: null }, user.auth)).body.data.name).toBeNull();
      expect(error(await t.patch('/api/auth/me', {}, user.auth))).toEqual([400, 'validation_failed']);
      expect(error(await t.patch('/api/auth/me', { name: 'x'.repeat(101) }, user.auth))).toEqual([400, 'validation_failed']);
    });

    it('changes the email only with the current password, and never to one another account has', async () => {
      const user = await t.newUser('mover');
      const taken = await t.newUser('taken');
      const email = `moved-${user.userId.slice(0, 8)}@example.com`;
      expect(error(await t.patch('/api/auth/me', { email }, user.auth))).toEqual([400, 'validation_failed']);
      expect(error(await t.patch('/api/auth/me', { email, currentPassword: 'wrong-password-here' }, user.auth))).toEqual([
        403,
        'invalid_credentials',
      ]);
      expect(error(await t.patch('/api/auth/me', { email: 'not-an-email', currentPassword: PASSWORD }, user.auth))).toEqual([
        400,
        'validation_failed',
      ]);
      expect(error(await t.patch('/api/auth/me', { email: taken.email.toUpperCase(), currentPassword: PASSWORD }, user.auth))).toEqual([
        409,
        'conflict',
      ]);
      const res = await t.patch('/api/auth/me', { email: email.toUpperCase(), currentPassword: PASSWORD }, user.auth);
      expect([res.status, res.body.data.email]).toEqual([200, email]);
      expect((await t.post('/api/auth/login', { email, password: PASSWORD })).status).toBe(200);
      expect(error(await t.post('/api/auth/login', { email: user.email, password: PASSWORD }))).toEqual([401, 'invalid_credentials']);
    });

    it('is refused to an API key', async () => {
      const user = await t.newUser('keyname');
      const key = await t.createKey(user, { scopes: ['read:users'] });
      expect(error(await t.patch('/api/auth/me', { name: 'By a key' }, key.auth))).toEqual([403, 'forbidden']);
    });
  });

  describe('GET /api/auth/me/export', () => {
    it('downloads a JSON file of the account with no key, hash, secret or token in it', async () => {
      const user = await t.newUser('exporter');
      const browser = await signIn(user.email);
      const key = await t.createKey(user, { name: 'Exported key' });
      const org = await t.post('/api/v1/organizations', { name: 'Export Org' }, user.auth);
      const project = await t.post('/api/v1/projects', { organizationId: org.body.data.id, name: 'Export Project' }, user.auth);
      const hook = await t.post('/api/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['key.created'] }, user.auth);
      expect([org.status, project.status, hook.status]).toEqual([201, 201, 201]);

      const res = await t.get('/api/auth/me/export', browser.headers);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename="argus-account-\d{4}-\d{2}-\d{2}\.json"$/);
      const file = JSON.parse(res.text);
      expect(file).toMatchObject({ format: 'argus.account-export', version: 1, truncated: [] });
      expect(file.profile).toMatchObject({ id: user.userId, email: user.email });
      expect(file.apiKeys).toEqual([expect.objectContaining({ id: key.id, name: 'Exported key', keyPrefix: key.key.slice(0, 8) })]);
      expect(file.organizations).toEqual([
        expect.objectContaining({ organizationId: org.body.data.id, name: 'Export Org', role: 'owner' }),
      ]);
      expect(file.projects).toEqual([expect.objectContaining({ id: project.body.data.id, name: 'Export Project' })]);
      expect(file.webhooks).toEqual([expect.objectContaining({ id: hook.body.data.id, url: 'http://127.0.0.1:9/hook' })]);
      expect(file.sessions).toEqual([expect.objectContaining({ id: browser.sessionId })]);
      expect(file.auditEvents.map((event: { action: string }) => event.action)).toEqual(
        expect.arrayContaining(['user.registered', 'key.created', 'organization.created', 'session.created']),
      );

      const [{ key_hash: keyHash }] = await db.query(`SELECT key_hash FROM api_keys WHERE id = $1`, [key.id]);
      const [{ password_hash: passwordHash }] = await db.query(`SELECT password_hash FROM users WHERE id = $1`, [user.userId]);
      const [{ token_hash: sessionHash }] = await db.query(`SELECT token_hash FROM sessions WHERE id = $1`, [browser.sessionId]);
      for (const secret of [
        key.key,
        keyHash,
        sha256(key.key),
        passwordHash,
        browser.token,
        sessionHash,
        hook.body.data.secret,
        user.refreshToken,
      ]) {
        expect(res.text).not.toContain(secret);
      }
      expect(res.text).not.toMatch(/"(keyHash|passwordHash|tokenHash|secret|sealedKey)"/);

      const [exported] = await db.query(`SELECT actor_id FROM audit_events WHERE action = 'user.data_exported' AND target_id = $1`, [
        user.userId,
      ]);
      expect(exported).toEqual({ actor_id: user.userId });
    });

    it("leaves out someone else's address in events about the account", async () => {
      const user = await t.newUser('attacked');
      await t.request('POST', '/api/auth/login', {
        body: { email: user.email, password: 'a-wrong-password!' },
        remoteAddress: '203.0.113.9',
      });
      const file = JSON.parse((await t.get('/api/auth/me/export', user.auth)).text);
      const failed = file.auditEvents.find((event: { action: string }) => event.action === 'user.login_failed');
      expect(failed).toMatchObject({ targetId: user.userId, ip: null, userAgent: null });
      expect(file.auditEvents.find((event: { action: string }) => event.action === 'user.registered').ip).toBe('127.0.0.1');
    });

    it('is refused to an API key and to nobody', async () => {
      const user = await t.newUser('keyexport');
      const key = await t.createKey(user, { scopes: ['read:keys', 'read:users'] });
      expect(error(await t.get('/api/auth/me/export', key.auth))).toEqual([403, 'forbidden']);
      expect(error(await t.get('/api/auth/me/export'))).toEqual([401, 'unauthorized']);
    });
  });

  describe('DELETE /api/auth/me', () => {
    const remove = (headers: Record<string, string>, body: unknown = { password: PASSWORD }) =>
      t.request('DELETE', '/api/auth/me', { headers, body });

    it('needs the password: missing 400, wrong 403; API keys 403; the session needs its CSRF token', async () => {
      const user = await t.newUser('keeper');
      const key = await t.createKey(user);
      const browser = await signIn(user.email);
      expect(error(await remove(user.auth, {}))).toEqual([400, 'validation_failed']);
      expect(error(await remove(user.auth, { password: 'definitely-wrong-pass' }))).toEqual([403, 'invalid_credentials']);
      expect(error(await remove(key.auth))).toEqual([403, 'forbidden']);
      const { 'x-csrf-token': _csrf, ...cookiesOnly } = browser.headers;
      expect(error(await remove(cookiesOnly))).toEqual([403, 'csrf_invalid']);
      expect((await t.get('/api/keys', key.auth)).status).toBe(200);
      expect((await t.get('/api/auth/me', user.auth)).status).toBe(200);
    });

    it('refuses with 409 sole_owner, listing them, while the account is the only owner of organisations', async () => {
      const user = await t.newUser('owner');
      const partner = await t.newUser('partner');
      const solo = await t.post('/api/v1/organizations', { name: 'Solo Org' }, user.auth);
      const shared = await t.post('/api/v1/organizations', { name: 'Shared Org' }, user.auth);
      await t.post(`/api/v1/organizations/${shared.body.data.id}/members`, { userId: partner.userId, role: 'owner' }, user.auth);
      const res = await remove(user.auth);
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ success: false, code: 'sole_owner', organizations: [{ id: solo.body.data.id, name: 'Solo Org' }] });
      expect((await t.get('/api/auth/me', user.auth)).status).toBe(200);

      expect((await t.delete(`/api/v1/organizations/${solo.body.data.id}`, user.auth)).status).toBe(200);
      expect((await remove(user.auth)).status).toBe(204);
      const members = await t.get(`/api/v1/organizations/${shared.body.data.id}/members`, partner.auth);
      expect(members.body.data.map((member: { userId: string }) => member.userId)).toEqual([partner.userId]);
    });

    it('refuses the last active admin (409)', async () => {
      const admin = await t.admin();
      const res = await remove(admin.auth, { password: ADMIN_PASSWORD });
      expect(error(res)).toEqual([409, 'conflict']);
      expect(res.body.error).toMatch(/last active admin/);
      expect((await t.post('/api/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).status).toBe(200);
    });

    it('deletes it: keys stop verifying, sessions and tokens end, login fails, an id-only event is kept', async () => {
      const user = await t.newUser('leaver');
      const key = await t.createKey(user);
      const browser = await signIn(user.email);
      // The key verifies (and is cached by the verifier) before the deletion.
      expect((await t.get('/api/keys', key.auth)).status).toBe(200);
      expect((await t.post('/api/v1/keys/verify', { key: key.key }, user.auth)).body.data).toMatchObject({ valid: true });

      const res = await remove(browser.headers);
      expect(res.status).toBe(204);
      expect(String(res.headers['set-cookie'])).toMatch(/__Host-argus_session=;/);

      expect((await t.get('/api/keys', key.auth)).status).toBe(401);
      expect(error(await t.get('/api/auth/me', browser.headers))).toEqual([401, 'invalid_token']);
      expect(error(await t.get('/api/auth/me', user.auth))).toEqual([401, 'invalid_token']);
      expect(error(await t.post('/api/auth/refresh', { refreshToken: user.refreshToken }))).toEqual([401, 'invalid_token']);
      expect(error(await t.post('/api/auth/login', { email: user.email, password: PASSWORD }))).toEqual([401, 'invalid_credentials']);
      expect(await db.query(`SELECT id FROM users WHERE id = $1`, [user.userId])).toEqual([]);
      expect(await db.query(`SELECT id FROM api_keys WHERE user_id = $1`, [user.userId])).toEqual([]);

      const events = await db.query(
        `SELECT action, actor_id, ip, user_agent, changes FROM audit_events WHERE target_id = $1 AND action IN ('user.deleted', 'key.revoked') ORDER BY action`,
        [user.userId],
      );
      expect(events).toEqual([{ action: 'user.deleted', actor_id: user.userId, ip: null, user_agent: null, changes: null }]);
      const [revoked] = await db.query(`SELECT actor_id FROM audit_events WHERE action = 'key.revoked' AND target_id = $1`, [key.id]);
      expect(revoked).toEqual({ actor_id: user.userId });
      // The person is erased from the earlier events, the facts stay.
      const [registered] = await db.query(
        `SELECT actor_id, ip, user_agent, changes FROM audit_events WHERE action = 'user.registered' AND target_id = $1`,
        [user.userId],
      );
      expect(registered).toEqual({ actor_id: user.userId, ip: null, user_agent: null, changes: {} });
      const [{ count }] = await db.query(`SELECT count(*)::int AS count FROM audit_events WHERE actor_id = $1 AND ip IS NOT NULL`, [
        user.userId,
      ]);
      expect(count).toBe(0);
      expect(JSON.stringify(await db.query(`SELECT * FROM audit_events`))).not.toContain(user.email);
      // Outside a deletion the trail still refuses every change.
      await expect(db.query(`UPDATE audit_events SET ip = NULL WHERE target_id = $1`, [user.userId])).rejects.toThrow(/append-only/);
    });

    it('lets an admin go while another active admin remains', async () => {
      const admin = await t.admin();
      const second = await t.newUser('second-admin');
      expect((await t.patch(`/api/admin/users/${second.userId}`, { role: 'admin' }, admin.auth)).status).toBe(200);
      expect((await remove(second.auth)).status).toBe(204);
    });
  });
});
