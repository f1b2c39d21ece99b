import { isKnownScope, missingScopes } from '../../access/scopes';
import type { FieldError } from '../../core/errors/app.exception';
import { OIDC_SCOPES } from '../provider/client-metadata';
import type { ClientJwks, OAuthGrantType, TokenEndpointAuthMethod } from './oauth-application.entity';

export interface ApplicationShape {
  grantTypes: OAuthGrantType[];
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  scopes: string[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  jwks: ClientJwks | null;
  tlsClientAuthSubjectDn: string | null;
}

const GRANT_SETS = ['authorization_code', 'authorization_code refresh_token', 'client_credentials'];
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
/** JWK members that only a private or symmetric key has. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

/** Every rule an application's settings break, as field errors (empty: valid). `held`: what the caller may grant. */
export function applicationProblems(app: ApplicationShape, held: readonly string[]): FieldError[] {
  const problems: FieldError[] = [];
  const add = (field: string, message: string) => problems.push({ field, messages: [message] });
  const grants = [...new Set(app.grantTypes)].sort().join(' ');
  const codeFlow = app.grantTypes.includes('authorization_code');
  if (!GRANT_SETS.includes(grants)) {
    add('grantTypes', 'must be ["authorization_code"], ["authorization_code","refresh_token"] or ["client_credentials"]');
  }
  if (codeFlow && app.redirectUris.length === 0) add('redirectUris', 'an authorization_code application needs at least one redirect URI');
  if (!codeFlow && app.redirectUris.length > 0) add('redirectUris', 'only an authorization_code application has redirect URIs');
  app.redirectUris.forEach((uri, i) => {
    const problem = redirectUriProblem(uri);
    if (problem) add(`redirectUris.${i}`, problem);
  });
  app.postLogoutRedirectUris.forEach((uri, i) => {
    const problem = redirectUriProblem(uri);
    if (problem) add(`postLogoutRedirectUris.${i}`, problem);
  });
  const method = app.tokenEndpointAuthMethod;
  if (method === 'none' && !codeFlow) add('tokenEndpointAuthMethod', 'a public client (none) can only use authorization_code with PKCE');
  if ((method === 'private_key_jwt' || method === 'self_signed_tls_client_auth') && !app.jwks)
    add('jwks', `${method} needs the client's public keys`);
  if (method === 'tls_client_auth' && !app.tlsClientAuthSubjectDn)
    add('tlsClientAuthSubjectDn', 'tls_client_auth needs the certificate subject DN');
  if (app.jwks) {
    const problem = jwksProblem(app.jwks);
    if (problem) add('jwks', problem);
  }
  const argusScopes = app.scopes.filter((scope) => !(OIDC_SCOPES as readonly string[]).includes(scope));
  const unknown = argusScopes.filter((scope) => !isKnownScope(scope));
  if (unknown.length > 0) add('scopes', `unknown scopes: ${unknown.join(', ')}`);
  if (!codeFlow && argusScopes.length !== app.scopes.length) add('scopes', 'OpenID scopes are for authorization_code applications only');
  const beyond = missingScopes(held, argusScopes.filter(isKnownScope));
  if (beyond.length > 0) add('scopes', `beyond what you may grant: ${beyond.join(', ')}`);
  return problems;
}

/** Exact-match redirect URIs (RFC 9700 §4.1): absolute, no fragment, https, http on loopback, or a native app's private-use scheme. */
export function redirectUriProblem(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URI';
  }
  if (url.hash || uri.includes('#')) return 'must not have a fragment';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') return LOOPBACK.has(url.hostname) ? undefined : 'http is allowed for loopback hosts only; use https';
  // RFC 8252 §7.1: a reverse-domain private-use scheme such as com.example.app:/callback.
  if (/^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/i.test(url.protocol)) return undefined;
  return 'must be https, http on a loopback host, or a private-use scheme like com.example.app:/callback';
}

function jwksProblem(jwks: ClientJwks): string | undefined {
  if (!Array.isArray(jwks.keys) || jwks.keys.length === 0 || jwks.keys.length > 10) return 'must be { keys: [1 to 10 JWKs] }';
  for (const key of jwks.keys) {
    if (typeof key !== 'object' || key === null || typeof key.kty !== 'string') return 'every key needs a kty';
    if (PRIVATE_MEMBERS.some((member) => member in key)) return 'must hold public keys only (no private or symmetric key material)';
  }
  if (JSON.stringify(jwks).length > 20_000) return 'is too large';
  return undefined;
}
