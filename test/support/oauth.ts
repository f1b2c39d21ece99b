import { DataSource } from 'typeorm';
import { generateClientId, generateClientSecret, hashClientSecret } from '../../src/oauth/applications/client-credentials';
import { OAuthApplicationEntity } from '../../src/oauth/applications/oauth-application.entity';
import { freePort } from './net';
import { TestApp } from './test-app';

/** An app listening on 127.0.0.1 whose ARGUS_PUBLIC_URL is its own address: what a real OAuth client needs. */
export async function startListeningApp(env: Record<string, string> = {}): Promise<{ t: TestApp; issuer: string }> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const t = await TestApp.start({ ARGUS_PUBLIC_URL: issuer, RATE_LIMIT_OAUTH_BURST: '1000/1s', RATE_LIMIT_OAUTH: '100000/1h', ...env });
  await t.app.listen({ port, host: '127.0.0.1' });
  return { t, issuer };
}

/** A registered application row (the applications API's job, written directly here), with its plaintext secret. */
export async function registerApplication(
  t: TestApp,
  ownerId: string,
  overrides: Partial<OAuthApplicationEntity> = {},
): Promise<{ application: OAuthApplicationEntity; secret: string }> {
  const secret = generateClientSecret();
  const repository = t.app.get(DataSource).getRepository(OAuthApplicationEntity);
  const application = await repository.save(
    repository.create({
      clientId: generateClientId(),
      name: 'test app',
      ownerId,
      organizationId: null,
      grantTypes: ['client_credentials'],
      redirectUris: [],
      postLogoutRedirectUris: [],
      scopes: ['read:keys', 'write:keys'],
      tokenEndpointAuthMethod: 'client_secret_basic',
      jwks: null,
      tlsClientAuthSubjectDn: null,
      secretHash: hashClientSecret(secret),
      previousSecretHash: null,
      previousSecretExpiresAt: null,
      dynamicallyRegistered: false,
      revokedAt: null,
      createdAt: new Date(),
      updatedAt: new Date(),
      ...overrides,
    }),
  );
  return { application, secret };
}

/** The OAuth error a client library call failed with: its `error`, or the one in a WWW-Authenticate challenge (a 401). */
export async function oauthErrorOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    const failure = error as { error?: string; cause?: Array<{ parameters?: { error?: string } }> };
    return failure.error ?? (Array.isArray(failure.cause) ? failure.cause[0]?.parameters?.error : undefined) ?? String(error);
  }
  throw new Error('the call succeeded');
}

/** An authorization request as an application builds it: PKCE (S256), a state, and prompt=consent (so offline_access is granted). */
export async function authorizationRequest(
  client: typeof import('openid-client'),
  config: import('openid-client').Configuration,
  redirectUri: string,
  scope: string,
): Promise<{ url: URL; verifier: string; state: string }> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    prompt: 'consent',
  });
  return { url, verifier, state };
}
