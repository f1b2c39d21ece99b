import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { UserEntity } from '../../users/user.entity';
import { OrganizationEntity } from '../../organizations/entities/organization.entity';

export const OAUTH_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export type OAuthGrantType = (typeof OAUTH_GRANT_TYPES)[number];

/** How a client proves itself at the token endpoint (RFC 7591 `token_endpoint_auth_method`); `none`: a public, PKCE-only client. */
export const TOKEN_ENDPOINT_AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'none',
] as const;
export type TokenEndpointAuthMethod = (typeof TOKEN_ENDPOINT_AUTH_METHODS)[number];

/** A public JWK set as RFC 7517 writes it (a client's keys for private_key_jwt or self_signed_tls_client_auth). */
export interface ClientJwks {
  keys: Array<Record<string, unknown>>;
}

/**
 * An OAuth client registered with Argus: a third-party web app (authorization code, refresh) or a
 * machine (client credentials). Its secret is stored only as a hash (`secretHash`), the previous
 * one too while a rotation's grace lasts; a public client (`none`) has none and must use PKCE.
 * Revoked (`revokedAt`) it authenticates nothing and every token it holds stops working.
 */
@Entity('oauth_applications')
@Unique('UQ_oauth_applications_client_id', ['clientId'])
@Index('IDX_oauth_applications_owner_id', ['ownerId', 'createdAt'])
@Index('IDX_oauth_applications_organization_id', ['organizationId'])
@Check(
  'CHK_oauth_applications_auth_method',
  `"token_endpoint_auth_method" IN ('client_secret_basic', 'client_secret_post', 'private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth', 'none')`,
)
export class OAuthApplicationEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_oauth_applications' })
  id: string;

  @Column({ name: 'client_id', type: 'varchar', length: 64 })
  clientId: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ name: 'owner_id', type: 'uuid' })
  ownerId: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'owner_id', foreignKeyConstraintName: 'FK_oauth_applications_owner' })
  owner?: UserEntity;

  /** The organisation the application belongs to (managed by its owners and admins); null: the owner's own. */
  @Column({ name: 'organization_id', type: 'uuid', nullable: true })
  organizationId: string | null;

  @ManyToOne(() => OrganizationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'FK_oauth_applications_organization' })
  organization?: OrganizationEntity;

  @Column({ name: 'grant_types', type: 'text', array: true })
  grantTypes: OAuthGrantType[];

  @Column({ name: 'redirect_uris', type: 'text', array: true, default: () => "'{}'" })
  redirectUris: string[];

  @Column({ name: 'post_logout_redirect_uris', type: 'text', array: true, default: () => "'{}'" })
  postLogoutRedirectUris: string[];

  /** The most its tokens may ever carry; each token is also bounded by its user's (or owner's) current role. */
  @Column({ type: 'text', array: true })
  scopes: string[];

  @Column({ name: 'token_endpoint_auth_method', type: 'varchar', length: 40 })
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;

  /** The client's public keys (private_key_jwt, self_signed_tls_client_auth). */
  @Column({ type: 'jsonb', nullable: true })
  jwks: ClientJwks | null;

  /** The certificate subject DN a `tls_client_auth` client must present (RFC 8705 `tls_client_auth_subject_dn`). */
  @Column({ name: 'tls_client_auth_subject_dn', type: 'varchar', length: 500, nullable: true })
  tlsClientAuthSubjectDn: string | null;

  @Column({ name: 'secret_hash', type: 'varchar', length: 128, nullable: true })
  secretHash: string | null;

  /** The secret before the last rotation, accepted until `previousSecretExpiresAt`. */
  @Column({ name: 'previous_secret_hash', type: 'varchar', length: 128, nullable: true })
  previousSecretHash: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt: Date | null;

  /** Registered through RFC 7591 dynamic registration rather than the applications API. */
  @Column({ name: 'dynamically_registered', type: 'boolean', default: false })
  dynamicallyRegistered: boolean;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
