import { PASSWORD, Session, TestApp } from '../support/test-app';

describe('HTTP conventions (e2e)', () => {
  let t: TestApp;
  let user: Session;

  beforeAll(async () => {
    t = await TestApp.start();
    user = await t.newUser();
  });
  afterAll(() => t.close());

  it('answers unknown routes with the error envelope and 404 not_found', async () => {
    for (const [method, url] of [
      ['GET', '/api/nope'],
      ['POST', '/api/keys/123/launch'],
      ['GET', '/'],
      ['PUT', '/api/auth/login'],
    ]) {
      const res = await t.request(method, url);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ success: false, error: 'Route not found', code: 'not_found', requestId: expect.any(String) });
    }
  });

  it('rejects malformed JSON with 400 validation_failed', async () => {
    const res = await t.request('POST', '/api/auth/login', { payload: '{"email": ', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, code: 'validation_failed' });
  });

  it('rejects a body over 1 MB with 413 payload_too_large, before touching anything', async () => {
    const payload = JSON.stringify({ name: 'x'.repeat(1024 * 1024) });
    const res = await t.request('POST', '/api/keys', { payload, headers: { 'content-type': 'application/json', ...user.auth } });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ success: false, code: 'payload_too_large' });
    expect((await t.get('/api/keys', user.auth)).body.meta.total).toBe(0);
  });

  it('rejects unsupported content types', async () => {
    const res = await t.request('POST', '/api/auth/login', { payload: 'email=a', headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ success: false, code: 'unsupported_media_type' });
  });

  describe('the JSON API reads only application/json bodies', () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };

    it('refuses a form or a body without Content-Type with 415 on every route, creating nothing', async () => {
      const email = `form-${Date.now()}@example.com`;
      const cases: Array<[string, string, Record<string, string>]> = [
        ['/api/auth/register', `email=${email}&password=${PASSWORD}`, form],
        ['/api/auth/register', JSON.stringify({ email, password: PASSWORD }), {}],
        ['/api/auth/login', `email=${user.email}&password=${PASSWORD}`, form],
        ['/api/auth/login', JSON.stringify({ email: user.email, password: PASSWORD }), {}],
        ['/api/keys', 'name=form-key', { ...form, ...user.auth }],
        ['/api/keys', JSON.stringify({ name: 'untyped key' }), user.auth],
        ['/api/keys', JSON.stringify({ name: 'patch key' }), { 'content-type': 'application/merge-patch+json', ...user.auth }],
        ['/api/keys', 'name=multipart', { 'content-type': 'multipart/form-data; boundary=x', ...user.auth }],
      ];
      for (const [url, payload, headers] of cases) {
        const res = await t.request('POST', url, { payload, headers });
        expect([url, headers['content-type'], res.status, res.body?.code]).toEqual([
          url,
          headers['content-type'],
          415,
          'unsupported_media_type',
        ]);
        expect(res.body.error).toBe('Unsupported Content-Type; send application/json');
      }
      expect((await t.post('/api/auth/login', { email, password: PASSWORD })).body.code).toBe('invalid_credentials');
      expect((await t.get('/api/keys', user.auth)).body.meta.total).toBe(0);
    });

    it('accepts application/json with parameters and in any case', async () => {
      for (const type of ['application/json; charset=utf-8', 'Application/JSON', 'application/json;charset=UTF-8']) {
        const res = await t.request('POST', '/api/auth/login', {
          payload: JSON.stringify({ email: user.email, password: PASSWORD }),
          headers: { 'content-type': type },
        });
        expect([type, res.status]).toEqual([type, 200]);
      }
    });

    it('still takes a POST without a body (a rotation with its defaults)', async () => {
      const key = await t.createKey(user);
      const res = await t.request('POST', `/api/keys/${key.id}/rotate`, { headers: user.auth });
      expect([res.status, res.body.data.key]).toEqual([201, expect.stringMatching(/^argus_/)]);
    });
  });

  it('rejects a JSON body that is not an object', async () => {
    for (const payload of ['[]', '"text"', '42', 'null']) {
      const res = await t.request('POST', '/api/auth/login', { payload, headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(400);
      expect(res.body.success).toBe(false);
    }
  });

  describe('X-Request-ID', () => {
    it('is generated when absent and echoed in the error body', async () => {
      const res = await t.get('/api/auth/verify');
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.body.requestId).toBe(res.headers['x-request-id']);
    });

    it('keeps a sane caller-supplied id and replaces an unsafe one', async () => {
      const kept = await t.get('/api/health/live', { 'x-request-id': 'trace-abc.123:x' });
      expect(kept.headers['x-request-id']).toBe('trace-abc.123:x');
      for (const bad of ['has space', 'x'.repeat(200), '<script>', 'a\u00e9b']) {
        const res = await t.get('/api/health/live', { 'x-request-id': bad });
        expect(res.headers['x-request-id']).not.toBe(bad);
        expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      }
    });

    it('is on success responses too', async () => {
      const res = await t.get('/api/keys', user.auth);
      expect(res.status).toBe(200);
      expect(res.headers['x-request-id']).toBeDefined();
    });
  });

  it('sends security headers and no framework fingerprint', async () => {
    const res = await t.get('/api/health/live');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['strict-transport-security']).toContain('max-age=');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    // Over plain http it would send browsers to https for /docs's assets (test/browser covers https).
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers.server).toBeUndefined();
  });

  it('never lets responses carrying credentials be cached', async () => {
    const login = await t.post('/api/auth/login', { email: user.email, password: PASSWORD });
    const created = await t.post('/api/keys', { name: 'cache test' }, user.auth);
    for (const res of [login, created]) expect(res.headers['cache-control']).toBe('no-store');
  });

  it('wraps success bodies in the envelope', async () => {
    const res = await t.get('/api/health/live');
    expect(res.body).toEqual({ success: true, data: { status: 'ok' } });
  });

  describe('health', () => {
    it('GET /api/health reports the database, without credentials', async () => {
      const res = await t.get('/api/health');
      expect(res.status).toBe(200);
      expect(res.body.success).toBe(true);
      expect(res.body.data.info.database.status).toBe('up');
    });
  });

  it('serves the OpenAPI explorer and JSON without credentials', async () => {
    const ui = await t.get('/docs');
    expect(ui.status).toBe(200);
    expect(ui.headers['content-type']).toContain('text/html');
    const json = await t.get('/docs-json');
    expect(json.status).toBe(200);
    expect(json.body.openapi).toMatch(/^3\./);
  });
});

describe('health when the database is down (e2e)', () => {
  it('answers 503 service_unavailable on readiness while liveness stays 200', async () => {
    const t = await TestApp.start();
    const { DataSource } = await import('typeorm');
    const dataSource = t.app.get(DataSource);
    // Make every pool connection fail its next query, as a dead database would.
    const originalQuery = dataSource.query.bind(dataSource);
    dataSource.query = () => Promise.reject(new Error('connection terminated'));
    try {
      const ready = await t.get('/api/health');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ success: false, code: 'service_unavailable' });
      expect(ready.text).not.toContain('connection terminated');
      expect((await t.get('/api/health/live')).status).toBe(200);
    } finally {
      dataSource.query = originalQuery;
      await t.close();
    }
  });
});
