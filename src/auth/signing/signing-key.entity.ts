import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { AsymmetricAlgorithm, PublicJwk } from './jws';

/**
 * A key that signs Argus's JWTs, shared by every instance. Its life: `activatedAt` it starts
 * signing, `retiredAt` it stops (a rotation), and `expiresAt` (retirement plus the longest lifetime
 * of a token it may have signed) it stops being published and verifying anything. The private
 * half is a SecretBox under a key derived from JWT_SECRET: a database dump alone does not give it.
 * At most one unretired key per algorithm (a partial unique index), however many instances start at once.
 */
@Entity('signing_keys')
@Check('CHK_signing_keys_alg', `"alg" IN ('ES256', 'EdDSA', 'RS256')`)
@Check('CHK_signing_keys_expiry', `"retired_at" IS NULL OR "expires_at" IS NOT NULL`)
@Index('UQ_signing_keys_active_alg', ['alg'], { unique: true, where: '"retired_at" IS NULL' })
export class SigningKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 64, primaryKeyConstraintName: 'PK_signing_keys' })
  kid: string;

  @Column({ type: 'varchar', length: 16 })
  alg: AsymmetricAlgorithm;

  @Column({ name: 'public_jwk', type: 'jsonb' })
  publicJwk: PublicJwk;

  @Column({ name: 'private_key', type: 'text' })
  privateKey: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'activated_at', type: 'timestamptz' })
  activatedAt: Date;

  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt: Date | null;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;
}
