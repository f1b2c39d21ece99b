import type { ApplicationResponseDto } from './dto/application.dto';
import type { OAuthApplicationEntity } from './oauth-application.entity';

/** An application as the API shows it: never its secret nor a hash of it. */
export function toApplicationResponse(application: OAuthApplicationEntity): ApplicationResponseDto {
  return {
    id: application.id,
    clientId: application.clientId,
    name: application.name,
    grantTypes: application.grantTypes,
    redirectUris: application.redirectUris,
    postLogoutRedirectUris: application.postLogoutRedirectUris,
    scopes: application.scopes,
    tokenEndpointAuthMethod: application.tokenEndpointAuthMethod,
    organizationId: application.organizationId,
    ownerId: application.ownerId,
    jwks: application.jwks,
    tlsClientAuthSubjectDn: application.tlsClientAuthSubjectDn,
    hasSecret: application.secretHash !== null,
    previousSecretExpiresAt: application.previousSecretExpiresAt?.toISOString() ?? null,
    createdAt: application.createdAt.toISOString(),
    updatedAt: application.updatedAt.toISOString(),
    revokedAt: application.revokedAt?.toISOString() ?? null,
  };
}
