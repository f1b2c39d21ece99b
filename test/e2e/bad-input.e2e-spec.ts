import { PASSWORD, Session, TestApp } from '../support/test-app';

/** Input PostgreSQL cannot store, or that would exhaust the validator, is a 400 naming the field. */
describe('Bad input (e2e)', () => {
  let t: TestApp;
  let user: Session;
  let admin: Session;

  beforeAll(async () => {
    t = await TestApp.start();
    user = await t.newUser('bad-input');
    admin = await t.admin();
  });
  afterAll(() => t.close());

  const json = (payload: string, headers: Record<string, string> = {}) => ({
    payload,
    headers: { 'content-type': 'application/json', ...headers },
  });

  function expectValidationFailed(res: { status: number; body: any }, field: string): void {
    expect([res.status, res.body?.code]).toEqual([400, 'validation_failed']);
    expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  }

  async function counts(): Promise<{ users: number; keys: number; organizations: number }> {
    const [users, keys, organizations] = await Promise.all([
      t.get('/api/admin/users', admin.auth),
      t.get('/api/keys', user.auth),
      t.get('/api/v1/organizations', user.auth),
    ]);
    return { users: users.body.meta.total, keys: keys.body.meta.total, organizations: organizations.body.meta.total };
  }

  describe('strings PostgreSQL cannot store (NUL, lone surrogates)', () => {
    // Written as JSON escapes, so the bytes on the wire are what a client would send.
    const BAD = { nul: 'a\\u0000b', 'lone high surrogate': 'a\\ud800b', 'lone low surrogate': 'a\\udc00' };

    it.each(Object.entries(BAD))('are refused with the field named (%s), creating nothing', async (_label, bad) => {
      const before = await counts();
      const cases: Array<[string, string, string, Record<string, string>?]> = [
        ['/api/auth/register', `{"email":"nul@example.com","password":"${PASSWORD}","name":"${bad}"}`, 'name'],
        ['/api/auth/register', `{"email":"nul${bad}@example.com","password":"${PASSWORD}"}`, 'email'],
        ['/api/auth/login', `{"email":"${bad}@example.com","password":"${PASSWORD}"}`, 'email'],
        ['/api/keys', `{"name":"${bad}"}`, 'name', user.auth],
        ['/api/keys', `{"name":"ok","scopes":["read:keys","${bad}"]}`, 'scopes.1', user.auth],
        ['/api/v1/organizations', `{"name":"${bad}"}`, 'name', user.auth],
      ];
      for (const [url, payload, field, headers] of cases) {
        const res = await t.request('POST', url, json(payload, headers));
        expectValidationFailed(res, field);
        expect(res.body.details[0].messages[0]).toContain(field);
      }
      expect(await counts()).toEqual(before);
    });

    it('is refused in an object key and in a query string', async () => {
      const key = await t.request('POST', '/api/keys', json('{"name":"ok","rateLimit":{"li\\u0000mit":1}}', user.auth));
      expectValidationFailed(key, 'rateLimit.li\\u0000mit');
      const query = await t.get('/api/v1/organizations?sort=na%00me', user.auth);
      expectValidationFailed(query, 'sort');
    });
  });

  describe('deeply nested JSON', () => {
    const deep = (depth: number) => `{"email":"a@example.com","password":"x","scopes":${'['.repeat(depth)}${']'.repeat(depth)}}`;

    it('is refused before validation, also on anonymous routes, creating nothing', async () => {
      const before = await counts();
      for (const [url, headers] of [
        ['/api/auth/login', {}],
        ['/api/auth/register', {}],
        ['/api/keys', user.auth],
        ['/api/v1/organizations', user.auth],
      ] as Array<[string, Record<string, string>]>) {
        const res = await t.request('POST', url, json(deep(20_000), headers));
        expectValidationFailed(res, 'scopes');
        expect(res.body.details[0].messages[0]).toMatch(/nested deeper than 32/);
      }
      expect(await counts()).toEqual(before);
    });

    it('is accepted up to the limit (the validator then judges it)', async () => {
      const res = await t.request('POST', '/api/auth/login', json(deep(30)));
      expect(res.status).toBe(400);
      expect(res.body.details[0].messages[0]).not.toMatch(/nested deeper/);
    });
  });

  describe('numeric query parameters out of range', () => {
    it.each(['/api/keys', '/api/v1/organizations', '/api/webhooks', '/api/admin/users', '/api/admin/audit-events', '/api/admin/api-keys'])(
      '%s refuses a huge page with 400 naming page',
      async (url) => {
        for (const page of ['100000000000000000000', '1e21', '9007199254740993', '1000001']) {
          const res = await t.get(`${url}?page=${page}`, admin.auth);
          expectValidationFailed(res, 'page');
        }
        const last = await t.get(`${url}?page=1000000&limit=100`, admin.auth);
        expect(last.status).toBe(200);
        expect(last.body.data).toEqual([]);
      },
    );
  });

  describe('a missing required field', () => {
    it('says it is required, and only that', async () => {
      const cases: Array<[string, unknown, string, Record<string, string>?]> = [
        ['/api/auth/register', { password: PASSWORD }, 'email'],
        ['/api/auth/login', { email: 'a@example.com' }, 'password'],
        ['/api/v1/organizations', {}, 'name', user.auth],
        ['/api/auth/refresh', {}, 'refreshToken'],
      ];
      for (const [url, body, field, headers] of cases) {
        const res = await t.post(url, body, headers);
        expect([res.status, res.body.details]).toEqual([400, [{ field, messages: [`${field} is required`] }]]);
      }
    });

    it('still explains a present but invalid value', async () => {
      const res = await t.post('/api/auth/register', { email: 'not-an-email', password: PASSWORD });
      expect(res.body.details).toEqual([{ field: 'email', messages: ['email must be a valid email address'] }]);
    });
  });
});
