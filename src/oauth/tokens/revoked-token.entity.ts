import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The deny list of OAuth access tokens that were revoked before they expired. Access tokens are
 * JWTs verified offline, so revocation is remembered here (by `jti`, or `grant:<id>` for every
 * token of a withdrawn consent) until `expiresAt`, the latest moment such a token could still
 * verify, and propagated to every instance like key revocation.
 */
@Entity('oauth_revoked_tokens')
@Index('IDX_oauth_revoked_tokens_expires_at', ['expiresAt'])
export class OAuthRevokedTokenEntity {
  @PrimaryColumn({ type: 'varchar', length: 300, primaryKeyConstraintName: 'PK_oauth_revoked_tokens' })
  id: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz' })
  revokedAt: Date;
}
