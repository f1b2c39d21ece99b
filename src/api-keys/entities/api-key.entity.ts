import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
  VirtualColumn,
} from 'typeorm';
import { UserEntity } from '../../users/user.entity';
import type { QuotaSetting, RateLimitSetting } from '../../access/principal';
import { OrganizationEntity } from '../../organizations/entities/organization.entity';
import { ProjectEntity } from '../../organizations/entities/project.entity';

export type { QuotaSetting, RateLimitSetting };

/** A scheduled rotation, stored with its defaults resolved so a later config change does not alter it. */
export interface RotationPolicySetting {
  everyDays: number;
  gracePeriodSeconds: number;
  notifyDaysBefore: number;
}

@Entity('api_keys')
@Unique('UQ_api_keys_key_hash', ['keyHash'])
@Index('IDX_api_keys_user_id', ['userId', 'createdAt'])
@Index('IDX_api_keys_organization_id', ['organizationId'])
@Index('IDX_api_keys_project_id', ['projectId'])
@Index('IDX_api_keys_parent_key_id', ['parentKeyId'])
@Check('CHK_api_keys_project_in_organization', `"project_id" IS NULL OR "organization_id" IS NOT NULL`)
@Index('IDX_api_keys_rotation_due_at', ['rotationDueAt'], { where: '"rotation_due_at" IS NOT NULL' })
@Index('IDX_api_keys_expiry_notice', ['expiresAt'], {
  where: '"expiry_notified_at" IS NULL AND "revoked_at" IS NULL AND "rotated_at" IS NULL AND "expires_at" IS NOT NULL',
})
// ("created_at" DESC, "id" ASC): TypeORM cannot declare a column's sort order, so it keeps its hands off this one.
@Index('IDX_api_keys_created_at_id', { synchronize: false })
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_api_keys' })
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_api_keys_user' })
  owner?: UserEntity;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  /** The organisation the key is bound to; its access stops there. Null: the owner's whole reach. */
  @Column({ name: 'organization_id', type: 'uuid', nullable: true })
  organizationId: string | null;

  @ManyToOne(() => OrganizationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'FK_api_keys_organization' })
  organization?: OrganizationEntity;

  /** The one project the key is bound to (inside `organizationId`). */
  @Column({ name: 'project_id', type: 'uuid', nullable: true })
  projectId: string | null;

  @ManyToOne(() => ProjectEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id', foreignKeyConstraintName: 'FK_api_keys_project' })
  project?: ProjectEntity;

  /** The key that minted this one (delegation); revoking it revokes this key too. */
  @Column({ name: 'parent_key_id', type: 'uuid', nullable: true })
  parentKeyId: string | null;

  @ManyToOne(() => ApiKeyEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'parent_key_id', foreignKeyConstraintName: 'FK_api_keys_parent_key' })
  parentKey?: ApiKeyEntity;

  @Column({ name: 'key_prefix', type: 'varchar', length: 8 })
  keyPrefix: string;

  /** SHA-256 of the whole key, hex; the unique index makes verification one look-up. */
  @Column({ name: 'key_hash', type: 'char', length: 64, select: false })
  keyHash: string;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  scopes: string[];

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive: boolean;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'rate_limit', type: 'jsonb', nullable: true })
  rateLimit: RateLimitSetting | null;

  @Column({ type: 'jsonb', nullable: true })
  quota: QuotaSetting | null;

  @Column({ name: 'allowed_ips', type: 'text', array: true, nullable: true })
  allowedIps: string[] | null;

  /** x5t#S256 of the client certificate the key must come with (mutual TLS); null: none needed. */
  @Column({ name: 'certificate_thumbprint', type: 'varchar', length: 43, nullable: true })
  certificateThumbprint: string | null;

  /** Set when the key was rotated; it then works until its `expiresAt` (the grace period's end). */
  @Column({ name: 'rotated_at', type: 'timestamptz', nullable: true })
  rotatedAt: Date | null;

  @Column({ name: 'replaced_by_id', type: 'uuid', nullable: true })
  replacedById: string | null;

  @ManyToOne(() => ApiKeyEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'replaced_by_id', foreignKeyConstraintName: 'FK_api_keys_replaced_by' })
  replacedBy?: ApiKeyEntity;

  /** When the owner was told the key expires soon (`key.expiring`), so it is told once. */
  @Column({ name: 'expiry_notified_at', type: 'timestamptz', nullable: true, select: false })
  expiryNotifiedAt: Date | null;

  @Column({ name: 'rotation_policy', type: 'jsonb', nullable: true })
  rotationPolicy: RotationPolicySetting | null;

  /** When the scheduler rotates the key next; null without a policy, and once rotated or revoked. */
  @Column({ name: 'rotation_due_at', type: 'timestamptz', nullable: true })
  rotationDueAt: Date | null;

  /** When the owner was told the rotation is near (`key.rotation_due`), so it is told once per due date. */
  @Column({ name: 'rotation_notified_at', type: 'timestamptz', nullable: true, select: false })
  rotationNotifiedAt: Date | null;

  /**
   * The plaintext of a key the scheduler issued, sealed (SecretBox) until its owner reveals it once;
   * the only place a key's plaintext is ever stored. Wiped by the reveal, a revocation or a rotation.
   */
  @Column({ name: 'sealed_key', type: 'text', nullable: true, select: false })
  sealedKey: string | null;

  /** Whether `sealedKey` still waits to be revealed, without ever loading it. */
  @VirtualColumn({ type: 'boolean', query: (alias) => `${alias}."sealed_key" IS NOT NULL` })
  revealPending?: boolean;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
