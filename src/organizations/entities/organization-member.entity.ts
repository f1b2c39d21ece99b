import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { UserEntity } from '../../users/user.entity';
import { ORGANIZATION_ROLES, OrganizationRole } from '../../access/organization-roles';
import { OrganizationEntity } from './organization.entity';

/** A user's role in an organisation. */
@Entity('organization_members')
@Index('IDX_organization_members_user_id', ['userId'])
@Check('CHK_organization_members_role', `"role" IN (${ORGANIZATION_ROLES.map((role) => `'${role}'`).join(', ')})`)
export class OrganizationMemberEntity {
  @PrimaryColumn({ name: 'organization_id', type: 'uuid', primaryKeyConstraintName: 'PK_organization_members' })
  organizationId: string;

  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'PK_organization_members' })
  userId: string;

  @ManyToOne(() => OrganizationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'FK_organization_members_organization' })
  organization?: OrganizationEntity;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_organization_members_user' })
  user?: UserEntity;

  @Column({ type: 'varchar', length: 16 })
  role: OrganizationRole;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
