import { everyScope, scopeCovers } from '../../access/scopes';
import { usesClientSecret } from '../applications/client-credentials';
import type { OAuthApplicationEntity } from '../applications/oauth-application.entity';

/** The OpenID Connect scopes an authorization-code application may always ask for, beside its Argus scopes. */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

/**
 * An application as oidc-provider's client metadata (RFC 7591 names). A revoked application is no
 * client at all. The stored secret is only a hash: `client_secret` carries it so the library knows
 * the client has one, and the host's compareClientSecret hashes what is presented; no HMAC
 * algorithm is enabled anywhere, so the hash is never used as a key (hence no client_secret_jwt).
 */
export function clientMetadataOf(application: OAuthApplicationEntity): Record<string, unknown> | undefined {
  if (application.revokedAt) return undefined;
  const codeFlow = application.grantTypes.includes('authorization_code');
  const metadata: Record<string, unknown> = {
    client_id: application.clientId,
    client_name: application.name,
    grant_types: application.grantTypes,
    response_types: codeFlow ? ['code'] : [],
    redirect_uris: codeFlow ? application.redirectUris : [],
    post_logout_redirect_uris: application.postLogoutRedirectUris,
    token_endpoint_auth_method: application.tokenEndpointAuthMethod,
    scope: [...(codeFlow ? OIDC_SCOPES : []), ...grantableScopes(application.scopes)].join(' '),
    client_id_issued_at: Math.floor(application.createdAt.getTime() / 1000),
  };
  if (usesClientSecret(application.tokenEndpointAuthMethod)) metadata.client_secret = application.secretHash ?? 'none';
  if (application.jwks) metadata.jwks = application.jwks;
  if (application.tlsClientAuthSubjectDn) metadata.tls_client_auth_subject_dn = application.tlsClientAuthSubjectDn;
  if (application.tokenEndpointAuthMethod === 'tls_client_auth' || application.tokenEndpointAuthMethod === 'self_signed_tls_client_auth') {
    metadata.tls_client_certificate_bound_access_tokens = true;
  }
  return metadata;
}

/** Every concrete scope an application's scopes cover (`read:*` spelled out), as oidc-provider matches scopes exactly. */
export function grantableScopes(scopes: readonly string[]): string[] {
  return everyScope().filter((scope) => scopes.some((held) => scopeCovers(held, scope)));
}
