import { PASSWORD, Session, TestApp } from '../support/test-app';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const HOST = 'localhost:3000';

interface Browser {
  cookies: Record<string, string>;
  headers: Record<string, string>;
}

/** Two instances on one PostgreSQL database and one Redis, as behind a load balancer. */
describe('browser sessions across instances (integration, PostgreSQL + Redis)', () => {
  let a: TestApp;
  let b: TestApp;
  let admin: Session;

  async function signIn(on: TestApp, email: string): Promise<Browser> {
    const res = await on.request('POST', '/api/auth/sessions', { body: { email, password: PASSWORD }, headers: { host: HOST } });
    expect(res.status).toBe(201);
    const raw = res.headers['set-cookie'] as string[];
    const cookie = raw.map((line) => line.split(';', 1)[0]).join('; ');
    const cookies = { host: HOST, cookie };
    return { cookies, headers: { ...cookies, 'x-csrf-token': res.body.data.csrfToken } };
  }

  beforeAll(async () => {
    a = await TestApp.start({ REDIS_URL });
    b = await TestApp.start({ REDIS_URL }, a.databaseUrl);
    admin = await a.admin();
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('a session from A works on B, and its CSRF token too', async () => {
    const user = await a.newUser('roaming');
    const browser = await signIn(a, user.email);
    expect((await b.get('/api/auth/me', browser.cookies)).body.data).toMatchObject({ id: user.userId, method: 'session' });
    expect((await b.post('/api/keys', { name: 'made on B' }, browser.headers)).status).toBe(201);
    expect((await b.post('/api/keys', { name: 'no token' }, browser.cookies)).body.code).toBe('csrf_invalid');
  });

  it('a session revoked on A is refused on B on the very next request', async () => {
    const user = await a.newUser('revoked');
    const browser = await signIn(a, user.email);
    const other = await signIn(b, user.email);
    expect((await b.get('/api/auth/me', browser.cookies)).status).toBe(200);

    expect((await a.delete('/api/auth/session', browser.headers)).status).toBe(200);
    const refused = await b.get('/api/auth/me', browser.cookies);
    expect([refused.status, refused.body.code]).toEqual([401, 'invalid_token']);
    expect((await b.get('/api/auth/me', other.cookies)).status).toBe(200);
  });

  it('signing out everywhere on B ends the sessions A issued, at once', async () => {
    const user = await a.newUser('everywhere');
    const first = await signIn(a, user.email);
    const second = await signIn(a, user.email);
    expect((await b.delete('/api/auth/sessions', user.auth)).status).toBe(200);
    for (const browser of [first, second]) {
      expect((await a.get('/api/auth/me', browser.cookies)).status).toBe(401);
      expect((await b.get('/api/auth/me', browser.cookies)).status).toBe(401);
    }
  });

  it('deactivation on A refuses the session on B at once, and a role change reaches B within a second', async () => {
    const user = await a.newUser('moved');
    const browser = await signIn(b, user.email);
    expect((await b.get('/api/admin/users', browser.cookies)).status).toBe(403);

    await a.patch(`/api/admin/users/${user.userId}`, { role: 'admin' }, admin.auth);
    const deadline = Date.now() + 1000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = (await b.get('/api/admin/users', browser.cookies)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(200);

    await a.patch(`/api/admin/users/${user.userId}`, { isActive: false }, admin.auth);
    expect((await b.get('/api/auth/me', browser.cookies)).status).toBe(401);
  });
});
