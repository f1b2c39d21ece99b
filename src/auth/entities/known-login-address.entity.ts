import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from '../../users/user.entity';

/**
 * An address an account last logged in from successfully: such a client gets its own login budget
 * instead of the per-account one an attacker can spend. The address is kept as a keyed hash.
 */
@Entity('known_login_addresses')
export class KnownLoginAddressEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'PK_known_login_addresses' })
  userId: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_known_login_addresses_user' })
  user?: UserEntity;

  /** HMAC-SHA256 of the address (hex), under a key derived from JWT_SECRET. */
  @PrimaryColumn({ name: 'address_hash', type: 'char', length: 64, primaryKeyConstraintName: 'PK_known_login_addresses' })
  addressHash: string;

  @Column({ name: 'last_login_at', type: 'timestamptz' })
  lastLoginAt: Date;
}
