import { PASSWORD, TestApp } from '../support/test-app';

describe('request logs (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  it('are JSON lines with request id, method, path, status, latency and caller ids, and never a secret', async () => {
    const session = await t.newUser('logged');
    const created = await t.post('/api/keys', { name: 'logged key' }, session.auth);
    const key: string = created.body.data.key;
    await t.get('/api/auth/verify', { 'x-api-key': key, 'x-request-id': 'log-test-1' });
    await t.get('/api/auth/verify', { authorization: `Bearer ${key}` });
    await t.post('/api/auth/refresh', { refreshToken: session.refreshToken });
    await t.post('/api/auth/login', { email: session.email, password: 'wrong-password-xyz' });
    await t.get('/api/keys?secret=query-value', session.auth);

    const lines = t.logs.join('').trim().split('\n');
    const entries = lines.map((line) => JSON.parse(line));
    const keyCall = entries.find((entry) => entry.req?.id === 'log-test-1');
    expect(keyCall).toMatchObject({
      req: { method: 'GET', url: '/api/auth/verify' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
      caller: { userId: session.userId, keyId: created.body.data.id, method: 'api_key' },
    });

    const everything = t.logs.join('');
    for (const secret of [key, key.slice(8), session.accessToken, session.refreshToken, PASSWORD, 'wrong-password-xyz', 'query-value']) {
      expect(everything).not.toContain(secret);
    }
    expect(everything).not.toMatch(/argon2id|"authorization"|"x-api-key"/i);
  });
});
