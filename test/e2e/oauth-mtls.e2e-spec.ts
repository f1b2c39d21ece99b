import { X509Certificate } from 'node:crypto';
import { Issued, requestOverTls, TestPki } from '../support/certificates';
import { freePort } from '../support/net';
import { registerApplication } from '../support/oauth';
import { TestApp } from '../support/test-app';

/**
 * RFC 8705 on Argus's own TLS listener: a `tls_client_auth` client authenticates with its
 * certificate, and its access token is bound to it (`cnf.x5t#S256`): refused without that certificate.
 */
describe('OAuth mutual-TLS client authentication and certificate-bound tokens (e2e)', () => {
  let pki: TestPki;
  let alice: Issued;
  let bob: Issued;
  let t: TestApp;
  let port: number;

  const overTls = (
    method: string,
    path: string,
    options: { headers?: Record<string, string>; form?: Record<string, string>; client?: Issued } = {},
  ) =>
    requestOverTls(port, pki.ca.cert, method, path, {
      headers: options.headers,
      client: options.client,
      payload: options.form ? { type: 'application/x-www-form-urlencoded', text: new URLSearchParams(options.form).toString() } : undefined,
    });

  beforeAll(async () => {
    pki = new TestPki();
    alice = pki.client('alice');
    bob = pki.client('bob');
    port = await freePort();
    t = await TestApp.start({
      TLS_CERT: pki.server.certPath,
      TLS_KEY: pki.server.keyPath,
      TLS_CLIENT_CA: pki.ca.certPath,
      ARGUS_PUBLIC_URL: `https://127.0.0.1:${port}`,
      RATE_LIMIT_OAUTH_BURST: '1000/1s',
    });
    await t.app.listen({ port, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await t?.close();
    pki?.remove();
  });

  it('issues a token bound to the certificate, which works only with that certificate', async () => {
    const owner = await t.newUser('machine-owner');
    const { application } = await registerApplication(t, owner.userId, {
      tokenEndpointAuthMethod: 'tls_client_auth',
      tlsClientAuthSubjectDn: 'CN=alice',
      secretHash: null,
    });
    const form = { grant_type: 'client_credentials', client_id: application.clientId, scope: 'read:keys' };
    const issued = await overTls('POST', '/oauth/token', { form, client: alice });
    expect(issued.status).toBe(200);
    const token: string = issued.body.access_token;
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    expect(claims.cnf).toEqual({ 'x5t#S256': alice.thumbprint });

    const bearer = { authorization: `Bearer ${token}` };
    expect((await overTls('GET', '/api/auth/verify', { headers: bearer, client: alice })).status).toBe(200);
    const without = await overTls('GET', '/api/auth/verify', { headers: bearer });
    expect([without.status, without.body.code]).toEqual([401, 'invalid_token']);
    expect((await overTls('GET', '/api/auth/verify', { headers: bearer, client: bob })).status).toBe(401);

    // Another certificate of the same CA, or none, does not authenticate the client.
    expect((await overTls('POST', '/oauth/token', { form, client: bob })).body).toMatchObject({ error: 'invalid_client' });
    expect((await overTls('POST', '/oauth/token', { form })).body).toMatchObject({ error: 'invalid_client' });
  });

  it('self_signed_tls_client_auth: a certificate no CA issued, registered in the client jwks, authenticates it; another does not', async () => {
    const owner = await t.newUser('self-signed-owner');
    const carol = pki.selfSigned('carol');
    const mallory = pki.selfSigned('mallory', 'carol'); // same subject, another key
    const x509 = new X509Certificate(carol.cert);
    const jwk = { ...x509.publicKey.export({ format: 'jwk' }), x5c: [x509.raw.toString('base64')] };
    const { application } = await registerApplication(t, owner.userId, {
      tokenEndpointAuthMethod: 'self_signed_tls_client_auth',
      jwks: { keys: [jwk] },
      secretHash: null,
    });
    const form = { grant_type: 'client_credentials', client_id: application.clientId, scope: 'read:keys' };
    const issued = await overTls('POST', '/oauth/token', { form, client: carol });
    expect(issued.status).toBe(200);
    const claims = JSON.parse(Buffer.from(String(issued.body.access_token).split('.')[1], 'base64url').toString());
    expect(claims.cnf).toEqual({ 'x5t#S256': carol.thumbprint });
    const bearer = { authorization: `Bearer ${issued.body.access_token}` };
    expect((await overTls('GET', '/api/auth/verify', { headers: bearer, client: carol })).status).toBe(200);
    expect((await overTls('GET', '/api/auth/verify', { headers: bearer, client: mallory })).status).toBe(401);

    expect((await overTls('POST', '/oauth/token', { form, client: mallory })).body).toMatchObject({ error: 'invalid_client' });
    // A CA-issued certificate is not the registered one either.
    expect((await overTls('POST', '/oauth/token', { form, client: alice })).body).toMatchObject({ error: 'invalid_client' });
  });
});
