import { Issued, requestOverTls, TestPki } from '../support/certificates';
import { CreatedKey, Session, TestApp } from '../support/test-app';

/**
 * Mutual TLS end to end: Argus's own HTTPS listener (TLS_CERT, TLS_KEY, TLS_CLIENT_CA) with real
 * handshakes on 127.0.0.1, and a TRUST_PROXY-trusted proxy's CLIENT_CERT_HEADER (inject, no TLS).
 * Certificates are made with the openssl command line, thumbprints with the README's recipe.
 */
describe('mutual TLS (e2e)', () => {
  let pki: TestPki;
  let alice: Issued;
  let bob: Issued;
  let stranger: Issued;
  let t: TestApp;
  let port: number;
  let owner: Session;
  let bound: CreatedKey;
  let unbound: CreatedKey;

  const overTls = (method: string, path: string, options: { headers?: Record<string, string>; body?: unknown; client?: Issued } = {}) =>
    requestOverTls(port, pki.ca.cert, method, path, {
      headers: options.headers,
      client: options.client,
      payload: options.body === undefined ? undefined : { type: 'application/json', text: JSON.stringify(options.body) },
    });

  beforeAll(async () => {
    pki = new TestPki();
    alice = pki.client('alice');
    bob = pki.client('bob');
    stranger = pki.selfSigned('stranger');
    t = await TestApp.start({ TLS_CERT: pki.server.certPath, TLS_KEY: pki.server.keyPath, TLS_CLIENT_CA: pki.ca.certPath });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = Number(new URL(await t.app.getUrl()).port);
    owner = await t.newUser('mtls');
    bound = await t.createKey(owner, { name: 'bound to alice', certificateThumbprint: alice.thumbprint });
    unbound = await t.createKey(owner, { name: 'no certificate' });
  });

  afterAll(async () => {
    await t?.close();
    pki?.remove();
  });

  describe('Argus’s own HTTPS listener', () => {
    it('serves HTTPS, to clients with and without a certificate', async () => {
      const anonymous = await overTls('GET', '/api/health');
      expect(anonymous.status).toBe(200);
      expect((await overTls('GET', '/api/health', { client: alice })).status).toBe(200);
    });

    it('refuses a bound key without a client certificate: 401 certificate_required in the contract’s shape', async () => {
      const res = await overTls('GET', '/api/auth/verify', { headers: bound.auth });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        success: false,
        error: 'This API key requires the client certificate it is bound to',
        code: 'certificate_required',
        requestId: expect.any(String),
      });
      expect(res.text).not.toContain(bound.key);
    });

    it('admits a bound key with its certificate, as X-API-Key and as a bearer', async () => {
      const res = await overTls('GET', '/api/auth/verify', { headers: bound.auth, client: alice });
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ method: 'api_key', keyId: bound.id, userId: owner.userId });
      const bearer = await overTls('GET', '/api/auth/verify', { headers: { authorization: `Bearer ${bound.key}` }, client: alice });
      expect(bearer.status).toBe(200);
    });

    it('refuses a bound key with another certificate of the same CA, and with a self-signed one', async () => {
      for (const client of [bob, stranger]) {
        const res = await overTls('GET', '/api/auth/verify', { headers: bound.auth, client });
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('certificate_required');
      }
    });

    it('pins the certificate itself: a key bound to a self-signed certificate works with it', async () => {
      const pinned = await t.createKey(owner, { certificateThumbprint: stranger.thumbprint });
      expect((await overTls('GET', '/api/auth/verify', { headers: pinned.auth, client: stranger })).status).toBe(200);
      expect((await overTls('GET', '/api/auth/verify', { headers: pinned.auth, client: alice })).status).toBe(401);
    });

    it('lets a key without a thumbprint work with or without a certificate', async () => {
      expect((await overTls('GET', '/api/auth/verify', { headers: unbound.auth })).status).toBe(200);
      expect((await overTls('GET', '/api/auth/verify', { headers: unbound.auth, client: bob })).status).toBe(200);
    });

    it('ignores CLIENT_CERT_HEADER without TRUST_PROXY', async () => {
      const headers = { ...bound.auth, 'x-client-cert': encodeURIComponent(alice.cert) };
      const res = await overTls('GET', '/api/auth/verify', { headers });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('certificate_required');
      // Nor does a forged header replace the certificate of the connection.
      const forged = { ...bound.auth, 'x-client-cert': encodeURIComponent(bob.cert) };
      expect((await overTls('GET', '/api/auth/verify', { headers: forged, client: alice })).status).toBe(200);
    });

    it('never logs the key it refused', async () => {
      const res = await overTls('GET', '/api/auth/verify', { headers: bound.auth, client: bob });
      expect(res.status).toBe(401);
      expect(t.logs.join('')).not.toContain(bound.key);
    });
  });

  describe('the key’s certificateThumbprint', () => {
    it('is returned with the key, and null for a key without one', async () => {
      const res = await t.get(`/api/keys/${bound.id}`, owner.auth);
      expect(res.body.data.certificateThumbprint).toBe(alice.thumbprint);
      expect((await t.get(`/api/keys/${unbound.id}`, owner.auth)).body.data.certificateThumbprint).toBeNull();
    });

    it.each([
      ['too short', 'abc'],
      ['padded', `${'A'.repeat(42)}=`],
      ['hex SHA-256', 'a'.repeat(64)],
      ['not base64url', `${'A'.repeat(42)}+`],
      ['not a string', 42],
    ])('refuses a thumbprint that is %s with 400 on create and update', async (_case, certificateThumbprint) => {
      const created = await t.post('/api/keys', { name: 'bad', certificateThumbprint }, owner.auth);
      expect(created.status).toBe(400);
      expect(created.body.code).toBe('validation_failed');
      expect(created.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'certificateThumbprint' })]));
      const updated = await t.patch(`/api/keys/${unbound.id}`, { certificateThumbprint }, owner.auth);
      expect(updated.status).toBe(400);
      expect(updated.body.code).toBe('validation_failed');
    });

    it('is set and cleared (null) by an update, taking effect at once', async () => {
      const key = await t.createKey(owner, { name: 'rebound' });
      const set = await t.patch(`/api/keys/${key.id}`, { certificateThumbprint: bob.thumbprint }, owner.auth);
      expect(set.status).toBe(200);
      expect(set.body.data.certificateThumbprint).toBe(bob.thumbprint);
      expect((await overTls('GET', '/api/auth/verify', { headers: key.auth, client: alice })).status).toBe(401);
      expect((await overTls('GET', '/api/auth/verify', { headers: key.auth, client: bob })).status).toBe(200);

      const cleared = await t.patch(`/api/keys/${key.id}`, { certificateThumbprint: null }, owner.auth);
      expect(cleared.body.data.certificateThumbprint).toBeNull();
      expect((await overTls('GET', '/api/auth/verify', { headers: key.auth })).status).toBe(200);
    });

    it('is audited when it changes', async () => {
      const key = await t.createKey(owner, { name: 'audited' });
      await t.patch(`/api/keys/${key.id}`, { certificateThumbprint: alice.thumbprint }, owner.auth);
      const events = await t.get(`/api/admin/audit-events?limit=100&targetId=${key.id}`, (await t.admin()).auth);
      const updated = (events.body.data as Array<{ action: string; changes: Record<string, unknown> }>).find(
        (event) => event.action === 'key.updated',
      );
      expect(updated?.changes.certificateThumbprint).toEqual({ from: null, to: alice.thumbprint });
    });

    it('goes to the successor of a rotation', async () => {
      const key = await t.createKey(owner, { certificateThumbprint: alice.thumbprint });
      const res = await t.post(`/api/keys/${key.id}/rotate`, { gracePeriodSeconds: 60 }, owner.auth);
      expect(res.status).toBe(201);
      expect(res.body.data.certificateThumbprint).toBe(alice.thumbprint);
      const successor = { 'x-api-key': res.body.data.key as string };
      expect((await overTls('GET', '/api/auth/verify', { headers: successor })).status).toBe(401);
      expect((await overTls('GET', '/api/auth/verify', { headers: successor, client: alice })).status).toBe(200);
    });
  });

  describe('POST /api/v1/keys/verify', () => {
    let service: CreatedKey;

    beforeAll(async () => {
      service = await t.createKey(owner, { name: 'gateway', scopes: ['execute:keys'] });
    });

    const verify = (body: Record<string, unknown>) => t.post('/api/v1/keys/verify', body, service.auth);

    it('answers CERTIFICATE_REQUIRED for a bound key without certificateThumbprint or with another one', async () => {
      for (const body of [{ key: bound.key }, { key: bound.key, certificateThumbprint: bob.thumbprint }]) {
        const res = await verify(body);
        expect(res.status).toBe(200);
        expect(res.body.data).toMatchObject({ valid: false, code: 'CERTIFICATE_REQUIRED', keyId: bound.id, ratelimit: null });
      }
    });

    it('answers VALID with the matching certificateThumbprint, and ignores it for a key without one', async () => {
      expect((await verify({ key: bound.key, certificateThumbprint: alice.thumbprint })).body.data).toMatchObject({
        valid: true,
        code: 'VALID',
      });
      expect((await verify({ key: unbound.key, certificateThumbprint: bob.thumbprint })).body.data.code).toBe('VALID');
      expect((await verify({ key: unbound.key })).body.data.code).toBe('VALID');
    });

    it('names the key’s state before its certificate', async () => {
      const revoked = await t.createKey(owner, { certificateThumbprint: alice.thumbprint });
      await t.delete(`/api/keys/${revoked.id}`, owner.auth);
      expect((await verify({ key: revoked.key })).body.data.code).toBe('REVOKED');
    });

    it('refuses a malformed certificateThumbprint with 400', async () => {
      const res = await verify({ key: bound.key, certificateThumbprint: 'not-a-thumbprint' });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.details).toEqual([expect.objectContaining({ field: 'certificateThumbprint' })]);
    });

    it('judges the certificate named in the body, not the asking service’s own connection', async () => {
      const res = await overTls('POST', '/api/v1/keys/verify', { headers: service.auth, body: { key: bound.key }, client: alice });
      expect(res.status).toBe(200);
      expect(res.body.data.code).toBe('CERTIFICATE_REQUIRED');
    });
  });
});

describe('mutual TLS behind a trusted proxy (e2e)', () => {
  let pki: TestPki;
  let alice: Issued;
  let bob: Issued;
  let t: TestApp;
  let owner: Session;
  let bound: CreatedKey;

  const HEADER = 'x-ssl-client-cert';
  /** What nginx's `$ssl_client_escaped_cert` sends. */
  const escaped = (issued: Issued) => encodeURIComponent(issued.cert);

  beforeAll(async () => {
    pki = new TestPki();
    alice = pki.client('alice');
    bob = pki.client('bob');
    // No TLS listener: the proxy terminates TLS and forwards the certificate from 127.0.0.1.
    t = await TestApp.start({ TRUST_PROXY: '127.0.0.1', CLIENT_CERT_HEADER: 'X-SSL-Client-Cert', TLS_CLIENT_CA: pki.ca.certPath });
    owner = await t.newUser('proxied');
    bound = await t.createKey(owner, { certificateThumbprint: alice.thumbprint });
  });

  afterAll(async () => {
    await t?.close();
    pki?.remove();
  });

  it('admits a bound key with its certificate in CLIENT_CERT_HEADER from the trusted proxy', async () => {
    const res = await t.get('/api/auth/verify', { ...bound.auth, [HEADER]: escaped(alice) });
    expect(res.status).toBe(200);
    expect(res.body.data.keyId).toBe(bound.id);
  });

  it('refuses it without the header, with another certificate, or with a header that is not a certificate', async () => {
    for (const value of [
      undefined,
      escaped(bob),
      'garbage',
      encodeURIComponent('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'),
    ]) {
      const res = await t.get('/api/auth/verify', { ...bound.auth, ...(value === undefined ? {} : { [HEADER]: value }) });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('certificate_required');
    }
  });

  it('ignores the header from a peer TRUST_PROXY does not trust', async () => {
    const res = await t.request('GET', '/api/auth/verify', {
      headers: { ...bound.auth, [HEADER]: escaped(alice) },
      remoteAddress: '203.0.113.9',
    });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('certificate_required');
  });

  it('reads only the configured header name', async () => {
    const res = await t.get('/api/auth/verify', { ...bound.auth, 'x-client-cert': escaped(alice) });
    expect(res.status).toBe(401);
  });

  describe('forward-auth', () => {
    it('passes a bound key with the certificate the gateway forwards, and names the key', async () => {
      const res = await t.get('/api/v1/forward-auth', { ...bound.auth, [HEADER]: escaped(alice) });
      expect(res.status).toBe(200);
      expect(res.headers['x-argus-key-id']).toBe(bound.id);
    });

    it('answers 401 certificate_required when the gateway forwards none or another', async () => {
      for (const headers of [bound.auth, { ...bound.auth, [HEADER]: escaped(bob) }]) {
        const res = await t.get('/api/v1/forward-auth', headers);
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('certificate_required');
      }
    });

    it('ignores the forwarded certificate of an untrusted peer', async () => {
      const res = await t.request('GET', '/api/v1/forward-auth', {
        headers: { ...bound.auth, [HEADER]: escaped(alice) },
        remoteAddress: '198.51.100.4',
      });
      expect(res.status).toBe(401);
    });
  });
});
