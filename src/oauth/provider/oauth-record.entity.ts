import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * oidc-provider's state, one row per stored model instance (authorization codes, refresh tokens,
 * grants, sessions, interactions, replay detection…), so every instance shares it. `payload` is
 * the library's own JSON; the columns beside it are what the adapter finds rows by.
 */
@Entity('oauth_records')
@Index('IDX_oauth_records_grant_id', ['grantId'], { where: '"grant_id" IS NOT NULL' })
@Index('IDX_oauth_records_uid', ['uid'], { where: '"uid" IS NOT NULL' })
@Index('IDX_oauth_records_user_code', ['userCode'], { where: '"user_code" IS NOT NULL' })
@Index('IDX_oauth_records_account_id', ['model', 'accountId'], { where: '"account_id" IS NOT NULL' })
@Index('IDX_oauth_records_expires_at', ['expiresAt'], { where: '"expires_at" IS NOT NULL' })
export class OAuthRecordEntity {
  @PrimaryColumn({ type: 'varchar', length: 40, primaryKeyConstraintName: 'PK_oauth_records' })
  model: string;

  @PrimaryColumn({ type: 'varchar', length: 256, primaryKeyConstraintName: 'PK_oauth_records' })
  id: string;

  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  @Column({ name: 'grant_id', type: 'varchar', length: 256, nullable: true })
  grantId: string | null;

  @Column({ name: 'user_code', type: 'varchar', length: 256, nullable: true })
  userCode: string | null;

  @Column({ type: 'varchar', length: 256, nullable: true })
  uid: string | null;

  /** The user a grant or session belongs to (oidc-provider's `accountId`), for listing and ending consents. */
  @Column({ name: 'account_id', type: 'uuid', nullable: true })
  accountId: string | null;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt: Date | null;
}
