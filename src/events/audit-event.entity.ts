import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const AUDIT_ACTIONS = [
  'user.registered',
  'user.login_succeeded',
  'user.login_failed',
  'user.role_changed',
  'user.activated',
  'user.deactivated',
  'user.updated',
  'user.password_changed',
  'user.data_exported',
  'user.deleted',
  'key.created',
  'key.updated',
  'key.rotated',
  'key.revealed',
  'key.revoked',
  'key.activated',
  'key.deactivated',
  'key.deleted',
  'organization.created',
  'organization.updated',
  'organization.deleted',
  'organization.member_added',
  'organization.member_role_changed',
  'organization.member_removed',
  'project.created',
  'project.updated',
  'project.deleted',
  'session.created',
  'session.revoked',
  'mfa.enabled',
  'mfa.disabled',
  'mfa.recovery_code_used',
  'mfa.recovery_codes_regenerated',
  'mfa.reset',
  'signing_key.created',
  'signing_key.rotated',
  'application.created',
  'application.updated',
  'application.secret_rotated',
  'application.revoked',
  'consent.granted',
  'consent.revoked',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** `system`: Argus itself, with no request behind it (the rotation scheduler). */
export type AuditActorType = 'user' | 'api_key' | 'anonymous' | 'system';
export type AuditTargetType = 'user' | 'api_key' | 'organization' | 'project' | 'session' | 'signing_key' | 'application';

/** A field's value before and after a change. */
export type AuditChanges = Record<string, { from: unknown; to: unknown }>;

/**
 * One lifecycle or admin event, written in the same transaction as the change it records and
 * never updated or deleted (the database refuses both). Holds ids and facts, never a secret.
 */
@Entity('audit_events')
@Index('IDX_audit_events_occurred_at', ['occurredAt'])
@Index('IDX_audit_events_target', ['targetId', 'occurredAt'])
@Index('IDX_audit_events_actor', ['actorId', 'occurredAt'])
export class AuditEventEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_audit_events' })
  id: string;

  @CreateDateColumn({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  @Column({ type: 'varchar', length: 64 })
  action: AuditAction;

  @Column({ name: 'actor_type', type: 'varchar', length: 16 })
  actorType: AuditActorType;

  /** The acting user (for a key, its owner). */
  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId: string | null;

  @Column({ name: 'actor_key_id', type: 'uuid', nullable: true })
  actorKeyId: string | null;

  @Column({ name: 'target_type', type: 'varchar', length: 16 })
  targetType: AuditTargetType;

  @Column({ name: 'target_id', type: 'uuid', nullable: true })
  targetId: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId: string | null;

  @Column({ type: 'jsonb', nullable: true })
  changes: AuditChanges | null;
}
