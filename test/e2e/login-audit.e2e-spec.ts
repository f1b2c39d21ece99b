import { DataSource } from 'typeorm';
import { PASSWORD, Session, TestApp } from '../support/test-app';

/** What a user types into the email field by mistake: their password. */
const TYPED_PASSWORD = 'Hunter2-Correct-Horse!9';
const UNKNOWN_EMAIL = 'ghost-7c1e0b@example.com';

describe('failed logins in the audit trail (e2e)', () => {
  let t: TestApp;
  let admin: Session;

  beforeAll(async () => ({ app: t, admin } = await TestApp.startWithAdmin()));
  afterAll(() => t.close());

  it('never keeps a submitted email that matched no account: not in the rows, the CSV export, the table nor the logs', async () => {
    for (const email of [TYPED_PASSWORD, UNKNOWN_EMAIL, `  ${TYPED_PASSWORD.toUpperCase()}  `]) {
      const res = await t.post('/api/auth/login', { email, password: 'some-password-123' });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_credentials');
    }

    const rows = await t.get('/api/admin/audit-events?action=user.login_failed&limit=100', admin.auth);
    expect(rows.status).toBe(200);
    const unknown = rows.body.data.filter((e: { targetId: string | null }) => e.targetId === null);
    expect(unknown).toHaveLength(3);
    for (const event of unknown) expect(event.changes).toEqual({ reason: { from: null, to: 'unknown_account' } });

    const csv = await t.get('/api/admin/audit-events?action=user.login_failed&format=csv', admin.auth);
    expect(csv.status).toBe(200);
    expect(csv.text).toContain('unknown_account');

    const table = JSON.stringify(await t.app.get(DataSource).query('SELECT * FROM audit_events'));
    for (const haystack of [rows.text, csv.text, table, t.logs.join('\n')]) {
      for (const needle of [TYPED_PASSWORD, TYPED_PASSWORD.toLowerCase(), UNKNOWN_EMAIL, 'ghost-7c1e0b']) {
        expect(haystack).not.toContain(needle);
      }
    }
  });

  it('a failed login for a known account records its id and why, not the submitted values', async () => {
    const user = await t.newUser('known-fail');
    expect((await t.post('/api/auth/login', { email: user.email, password: 'not-the-password-1' })).status).toBe(401);
    await t.patch(`/api/admin/users/${user.userId}`, { isActive: false }, admin.auth);
    expect((await t.post('/api/auth/login', { email: user.email, password: PASSWORD })).status).toBe(401);

    const failed = (await t.get(`/api/admin/audit-events?action=user.login_failed&targetId=${user.userId}`, admin.auth)).body.data;
    expect(failed.map((e: { changes: unknown }) => e.changes)).toEqual([
      { reason: { from: null, to: 'inactive' } },
      { reason: { from: null, to: 'wrong_password' } },
    ]);
    expect(failed.every((e: { targetId: string; targetType: string }) => e.targetId === user.userId && e.targetType === 'user')).toBe(true);
    expect(JSON.stringify(failed)).not.toContain('not-the-password-1');
  });
});
