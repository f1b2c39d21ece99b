import { everyScope, isKnownScope } from '../../access/scopes';

/** What defaultResource reads of oidc-provider's context. */
interface ResourceContext {
  oidc: {
    params?: { grant_type?: unknown; scope?: unknown };
    entities?: { AuthorizationCode?: { scope?: string }; RefreshToken?: { scope?: string } };
  };
}
import { oidcMtlsFeature } from '../../core/net/client-certificate';
import type { OAuthConfig } from '../oauth.config';
import { OIDC_SCOPES } from './client-metadata';
import { errorPage, htmlPage } from './pages';

/** The protocol endpoints, all under /oauth/ (reference 003), as discovery lists them. */
export const OAUTH_ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  jwks: '/oauth/jwks',
  userinfo: '/oauth/userinfo',
  introspection: '/oauth/introspect',
  revocation: '/oauth/revoke',
  end_session: '/oauth/end-session',
  registration: '/oauth/register',
  pushed_authorization_request: '/oauth/par',
  code_verification: '/oauth/device',
  device_authorization: '/oauth/device/auth',
  backchannel_authentication: '/oauth/backchannel',
  challenge: '/oauth/challenge',
};

/** The path of the login and consent pages (the interaction module's controller). */
export const INTERACTION_PATH = '/oauth/interaction';

/** A user as the provider sees one: its subject and the claims the scopes release. */
export interface OidcAccount {
  accountId: string;
  claims: (use: string, scope: string) => Record<string, unknown>;
}

export interface OidcConfigurationInput {
  config: OAuthConfig;
  /** The signing key, a private JWK with kid and alg (ES256, EdDSA or RS256). */
  signingJwk: Record<string, unknown>;
  alg: string;
  adapter: new (model: string) => unknown;
  cookieKeys: string[];
  findAccount: (sub: string) => Promise<OidcAccount | undefined>;
  /** The scopes an application may receive at Argus's API (its `scope` metadata, spelled out). */
  resourceScopes: (clientId: string) => Promise<string>;
  /** Extra parts other modules add (the interaction pages' settings, dynamic registration's policies). */
  parts: Array<Record<string, unknown>>;
  /** oidc-provider's error classes, for InvalidTarget. */
  errors: { InvalidTarget: new (description?: string) => Error };
}

/**
 * oidc-provider's configuration for Argus: JWT access tokens (RFC 9068) for the one resource
 * server there is (Argus's API, audience ARGUS_PUBLIC_URL) signed with Argus's own signing key,
 * PKCE (S256 only) for every authorization-code client, refresh tokens rotated on each use,
 * introspection and revocation, RP-initiated logout, mTLS client auth and certificate-bound tokens.
 * Symmetric algorithms are off everywhere: client secrets are stored hashed, never usable as keys.
 */
export function oidcConfiguration(input: OidcConfigurationInput): Record<string, unknown> {
  const { config, alg } = input;
  const audience = config.publicUrl;
  const asymmetric = ['ES256', 'EdDSA', 'RS256', 'PS256', 'ES384', 'ES512'];
  const base: Record<string, unknown> = {
    adapter: input.adapter,
    clients: [],
    jwks: { keys: [input.signingJwk] },
    findAccount: (_ctx: unknown, sub: string) => input.findAccount(sub),
    scopes: [...OIDC_SCOPES, ...everyScope()],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'updated_at'] },
    routes: OAUTH_ROUTES,
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `${INTERACTION_PATH}/${interaction.uid}` },
    cookies: {
      keys: input.cookieKeys,
      names: { session: 'argus_oidc_session', interaction: 'argus_oidc_interaction', resume: 'argus_oidc_resume' },
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    pkce: { required: () => true },
    // Browsers may call the token, revocation and introspection endpoints cross-origin only for a
    // public (PKCE) client, and userinfo for any client, from the origin of one of its redirect
    // URIs. A confidential client's secret never belongs in a browser.
    clientBasedCORS: (ctx: { oidc: { route: string } }, origin: string, client: { clientAuthMethod: string; redirectUris?: string[] }) =>
      origin !== 'null' &&
      (ctx.oidc.route === 'userinfo' || client.clientAuthMethod === 'none') &&
      (client.redirectUris ?? []).some((uri) => originOf(uri) === origin),
    rotateRefreshToken: true,
    conformIdTokenClaims: true,
    issueRefreshToken: (_ctx: unknown, client: { grantTypeAllowed: (grant: string) => boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    extraTokenClaims: (_ctx: unknown, token: { grantId?: string; kind: string }) =>
      token.grantId && token.kind === 'AccessToken' ? { gid: token.grantId } : undefined,
    ttl: {
      AccessToken: config.accessTokenTtlSeconds,
      ClientCredentials: config.accessTokenTtlSeconds,
      IdToken: config.accessTokenTtlSeconds,
      RefreshToken: config.refreshTokenTtlSeconds,
      AuthorizationCode: 60,
      Grant: config.refreshTokenTtlSeconds,
      Interaction: 600,
      Session: 14 * 86_400,
    },
    enabledJWA: {
      clientAuthSigningAlgValues: asymmetric,
      idTokenSigningAlgValues: [alg],
      requestObjectSigningAlgValues: asymmetric,
      userinfoSigningAlgValues: [alg],
      introspectionSigningAlgValues: [alg],
      authorizationSigningAlgValues: [alg],
    },
    clientDefaults: { id_token_signed_response_alg: alg, grant_types: ['authorization_code'], response_types: ['code'] },
    clientAuthMethods: [
      'client_secret_basic',
      'client_secret_post',
      'private_key_jwt',
      'tls_client_auth',
      'self_signed_tls_client_auth',
      'none',
    ],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      jwtUserinfo: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx: { body: string }, form: string) => {
          ctx.body = htmlPage(
            'Sign out',
            `${form}<p>Do you want to sign out of Argus?</p>
<button type="submit" form="op.logoutForm" value="yes" name="logout">Sign out</button>
<button type="submit" form="op.logoutForm">Stay signed in</button>`,
          );
        },
        postLogoutSuccessSource: (ctx: { body: string }) => {
          ctx.body = htmlPage('Signed out', '<p>You are signed out of Argus.</p>');
        },
      },
      resourceIndicators: {
        enabled: true,
        // Argus's API when Argus scopes are asked for (and always for a machine); a request for
        // OpenID scopes only gets the library's opaque token for /oauth/userinfo instead.
        defaultResource: (ctx: ResourceContext) => {
          const oidc = ctx.oidc;
          if (oidc.params?.grant_type === 'client_credentials') return audience;
          const asked = oidc.params?.scope;
          const scope =
            (typeof asked === 'string' ? asked : undefined) ??
            oidc.entities?.AuthorizationCode?.scope ??
            oidc.entities?.RefreshToken?.scope ??
            '';
          return scope.split(' ').some(isKnownScope) ? audience : undefined;
        },
        useGrantedResource: () => true,
        getResourceServerInfo: async (_ctx: unknown, resource: string, client: { clientId: string }) => {
          if (resource !== audience) throw new input.errors.InvalidTarget(`the only resource server is ${audience}`);
          return {
            audience,
            scope: await input.resourceScopes(client.clientId),
            accessTokenTTL: config.accessTokenTtlSeconds,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg } },
          };
        },
      },
      mTLS: {
        enabled: true,
        certificateBoundAccessTokens: true,
        tlsClientAuth: true,
        selfSignedTlsClientAuth: true,
        ...oidcMtlsFeature(),
      },
      registration: { enabled: false },
    },
    // The registration endpoint is Argus's (POST /oauth/register, RFC 7591), so the library's feature stays off.
    discovery: config.dynamicRegistration ? { registration_endpoint: `${audience}${OAUTH_ROUTES.registration}` } : {},
    renderError: (ctx: { type: string; body: string }, out: { error: string; error_description?: string }) => {
      ctx.type = 'html';
      ctx.body = errorPage(out.error, out.error_description);
    },
  };
  return input.parts.reduce(mergeConfiguration, base);
}

function originOf(uri: string): string | undefined {
  try {
    return new URL(uri).origin;
  } catch {
    return undefined;
  }
}

/** Deep-merges plain objects (features, interactions…); anything else is replaced. */
export function mergeConfiguration(target: Record<string, unknown>, part: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(part)) {
    const current = merged[key];
    merged[key] = isPlainObject(current) && isPlainObject(value) ? mergeConfiguration(current, value) : value;
  }
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}
