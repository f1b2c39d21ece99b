import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { UserEntity } from '../../users/user.entity';

/**
 * A user's TOTP secret, sealed with SecretBox (purpose `mfa-totp-secrets`). `confirmedAt` is null
 * while enrolment waits for its first code; `lastUsedStep` is the 30-second step of the last code
 * accepted, so a code cannot be used twice.
 */
@Entity('mfa_totp')
export class MfaTotpEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'PK_mfa_totp' })
  userId: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_mfa_totp_user' })
  user?: UserEntity;

  @Column({ type: 'text', select: false })
  secret: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true })
  confirmedAt: Date | null;

  @Column({ name: 'last_used_step', type: 'bigint', nullable: true })
  lastUsedStep: string | null;
}

/** A one-time recovery code, kept as an HMAC-SHA256 (hex) under a key derived from JWT_SECRET. */
@Entity('mfa_recovery_codes')
@Unique('UQ_mfa_recovery_codes_user_code', ['userId', 'codeHash'])
export class MfaRecoveryCodeEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_mfa_recovery_codes' })
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_mfa_recovery_codes_user' })
  user?: UserEntity;

  @Column({ name: 'code_hash', type: 'char', length: 64 })
  codeHash: string;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;
}

/** The second step of a login whose password was right: the `mfaToken` (stored as its SHA-256), short-lived and single-use. */
@Entity('mfa_challenges')
@Unique('UQ_mfa_challenges_token_hash', ['tokenHash'])
@Index('IDX_mfa_challenges_user_id', ['userId'])
export class MfaChallengeEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_mfa_challenges' })
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_mfa_challenges_user' })
  user?: UserEntity;

  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt: Date | null;
}
