import { Session, TestApp } from '../support/test-app';

/** A key's IP allowlist: enforced on every route, by the verify API, and behind a trusted gateway. */
describe('IP allowlists (e2e)', () => {
  let t: TestApp;
  let owner: Session;

  const from = (remoteAddress: string, headers: Record<string, string>, extra: Record<string, string> = {}) =>
    t.request('GET', '/api/auth/verify', { headers: { ...headers, ...extra }, remoteAddress });

  beforeAll(async () => {
    t = await TestApp.start();
    owner = await t.newUser('allowlist');
  });
  afterAll(() => t.close());

  it('admits the listed addresses and ranges, IPv4 and IPv6, and refuses the rest with 403 access_denied_by_policy', async () => {
    const key = await t.createKey(owner, { allowedIps: ['10.0.0.0/8', '203.0.113.7', '2001:db8::/32'] });
    expect((await from('10.20.30.40', key.auth)).status).toBe(200);
    expect((await from('203.0.113.7', key.auth)).status).toBe(200);
    expect((await from('2001:db8::1', key.auth)).status).toBe(200);
    expect((await from('::ffff:10.1.1.1', key.auth)).status).toBe(200);
    for (const address of ['127.0.0.1', '203.0.113.8', '2001:db9::1', '11.0.0.1']) {
      const res = await from(address, key.auth);
      expect({ address, status: res.status, code: res.body.code }).toEqual({ address, status: 403, code: 'access_denied_by_policy' });
    }
  });

  it('ignores X-Forwarded-For unless the proxy is trusted', async () => {
    const key = await t.createKey(owner, { allowedIps: ['10.0.0.0/8'] });
    const spoofed = await from('198.51.100.1', key.auth, { 'x-forwarded-for': '10.0.0.1' });
    expect(spoofed.status).toBe(403);
  });

  it('does not restrict a key without a list, nor JWTs', async () => {
    const key = await t.createKey(owner);
    expect((await from('198.51.100.1', key.auth)).status).toBe(200);
    expect((await from('198.51.100.1', owner.auth)).status).toBe(200);
  });

  it('validates lists at creation and update, and an update applies at once (audited)', async () => {
    for (const allowedIps of [[], ['10.0.0.0/33'], ['example.com'], '10.0.0.1']) {
      const res = await t.post('/api/keys', { name: 'bad', allowedIps }, owner.auth);
      expect({ allowedIps, status: res.status, code: res.body.code }).toEqual({ allowedIps, status: 400, code: 'validation_failed' });
    }
    const key = await t.createKey(owner, { allowedIps: ['10.0.0.0/8'] });
    expect((await from('198.51.100.1', key.auth)).status).toBe(403);
    expect((await t.patch(`/api/keys/${key.id}`, { allowedIps: [] }, owner.auth)).status).toBe(400);
    const widened = await t.patch(`/api/keys/${key.id}`, { allowedIps: ['198.51.100.0/24'] }, owner.auth);
    expect(widened.body.data.allowedIps).toEqual(['198.51.100.0/24']);
    expect((await from('198.51.100.1', key.auth)).status).toBe(200);
    expect((await from('10.0.0.1', key.auth)).status).toBe(403);
    await t.patch(`/api/keys/${key.id}`, { allowedIps: null }, owner.auth);
    expect((await from('10.0.0.1', key.auth)).status).toBe(200);
    const events = await t.get(`/api/keys/${key.id}/events`, owner.auth);
    expect(events.body.data.map((e: { changes: Record<string, unknown> }) => Object.keys(e.changes ?? {}))).toContainEqual(['allowedIps']);
  });

  it('the verify API answers FORBIDDEN_BY_POLICY for an address outside the list, or none, without spending the limit', async () => {
    const service = await t.createKey(owner, { scopes: ['execute:keys'] });
    const key = await t.createKey(owner, { allowedIps: ['10.0.0.0/8'], rateLimit: { limit: 5, windowSeconds: 60 } });
    const verify = (body: Record<string, unknown>) => t.post('/api/v1/keys/verify', { key: key.key, ...body }, service.auth);
    expect((await verify({ ip: '10.9.9.9' })).body.data).toMatchObject({ valid: true, code: 'VALID', ratelimit: { remaining: 4 } });
    expect((await verify({ ip: '198.51.100.1' })).body.data).toMatchObject({ valid: false, code: 'FORBIDDEN_BY_POLICY', ratelimit: null });
    expect((await verify({})).body.data.code).toBe('FORBIDDEN_BY_POLICY');
    expect((await verify({ ip: 'not-an-ip' })).status).toBe(400);
    expect((await verify({ ip: '10.9.9.9' })).body.data.ratelimit.remaining).toBe(3);
  });
});

describe('IP allowlists behind a trusted gateway (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.start({ TRUST_PROXY: '127.0.0.1' });
  });
  afterAll(() => t.close());

  it('forward-auth judges the client address the gateway forwards', async () => {
    const owner = await t.newUser('gateway');
    const key = await t.createKey(owner, { allowedIps: ['10.0.0.0/8'] });
    const allowed = await t.get('/api/v1/forward-auth', { ...key.auth, 'x-forwarded-for': '10.1.2.3' });
    expect(allowed.status).toBe(200);
    const denied = await t.get('/api/v1/forward-auth', { ...key.auth, 'x-forwarded-for': '198.51.100.7' });
    expect({ status: denied.status, code: denied.body.code }).toEqual({ status: 403, code: 'access_denied_by_policy' });
  });
});
