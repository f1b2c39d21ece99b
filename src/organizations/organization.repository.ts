import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { orderBy } from '../core/dto/sort';
import { OrganizationRole } from '../access/organization-roles';
import { OrganizationMemberEntity } from './entities/organization-member.entity';
import { OrganizationEntity } from './entities/organization.entity';

const SORT_COLUMNS = { name: 'organization.name', createdAt: 'organization.createdAt', updatedAt: 'organization.updatedAt' };

/** One page of a list: `sort` is a validated sort value (see IsSort). */
export interface ListPage {
  sort: string;
  skip: number;
  take: number;
}

/** Which organisations a list holds: those `userId` is a member of (or all of them), optionally just one. */
export interface OrganizationFilter {
  userId: string;
  membersOnly: boolean;
  organizationId?: string;
}

/** An organisation in a list, with the user's role in it (null when listed without being a member). */
export interface ListedOrganization {
  organization: OrganizationEntity;
  role: OrganizationRole | null;
}

export type NewMember = Pick<OrganizationMemberEntity, 'organizationId' | 'userId' | 'role'>;

/**
 * The organisation aggregate's queries: organizations and organization_members. Each method takes
 * the caller's EntityManager to run inside its transaction. A member is read with its user, whose
 * email and name the member views show.
 */
@Injectable()
export class OrganizationRepository {
  constructor(@InjectRepository(OrganizationEntity) private readonly repository: Repository<OrganizationEntity>) {}

  create(name: string, manager?: EntityManager): Promise<OrganizationEntity> {
    const organizations = this.on(manager);
    return organizations.save(organizations.create({ name }));
  }

  exists(id: string): Promise<boolean> {
    return this.repository.exists({ where: { id } });
  }

  getById(id: string, manager?: EntityManager): Promise<OrganizationEntity | null> {
    return this.on(manager).findOne({ where: { id } });
  }

  /** Locks the row for the rest of `manager`'s transaction: changes to one organisation take turns. */
  getForUpdate(id: string, manager: EntityManager): Promise<OrganizationEntity | null> {
    return this.on(manager).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  async list(filter: OrganizationFilter, page: ListPage): Promise<{ items: ListedOrganization[]; total: number }> {
    const builder = this.repository.createQueryBuilder('organization');
    builder[filter.membersOnly ? 'innerJoinAndMapOne' : 'leftJoinAndMapOne'](
      'organization.membership',
      OrganizationMemberEntity,
      'member',
      'member.organizationId = organization.id AND member.userId = :userId',
      { userId: filter.userId },
    );
    if (filter.organizationId) builder.andWhere('organization.id = :organizationId', { organizationId: filter.organizationId });
    const [rows, total] = await builder
      .orderBy(orderBy(page.sort, SORT_COLUMNS, 'organization.id'))
      .skip(page.skip)
      .take(page.take)
      .getManyAndCount();
    const items = rows.map((row) => ({
      organization: row,
      role: (row as OrganizationEntity & { membership?: OrganizationMemberEntity }).membership?.role ?? null,
    }));
    return { items, total };
  }

  save(organization: OrganizationEntity, manager?: EntityManager): Promise<OrganizationEntity> {
    return this.on(manager).save(organization);
  }

  /** Its projects and memberships go with it (the foreign keys cascade). */
  async delete(id: string, manager?: EntityManager): Promise<void> {
    await this.on(manager).delete({ id });
  }

  async memberRole(organizationId: string, userId: string): Promise<OrganizationRole | null> {
    const member = await this.members().findOne({ where: { organizationId, userId }, select: { role: true } });
    return member?.role ?? null;
  }

  getMember(organizationId: string, userId: string, manager?: EntityManager): Promise<OrganizationMemberEntity | null> {
    return this.members(manager).findOne({ where: { organizationId, userId }, relations: { user: true } });
  }

  async listMembers(organizationId: string, page: Omit<ListPage, 'sort'>): Promise<{ items: OrganizationMemberEntity[]; total: number }> {
    const [items, total] = await this.members().findAndCount({
      where: { organizationId },
      relations: { user: true },
      order: { createdAt: 'ASC', userId: 'ASC' },
      skip: page.skip,
      take: page.take,
    });
    return { items, total };
  }

  countOwners(organizationId: string, manager?: EntityManager): Promise<number> {
    return this.members(manager).count({ where: { organizationId, role: 'owner' } });
  }

  /** The user's memberships with their organisations, oldest first, at most `take`. */
  membershipsOf(userId: string, take: number): Promise<OrganizationMemberEntity[]> {
    return this.members().find({
      where: { userId },
      relations: { organization: true },
      order: { createdAt: 'ASC', organizationId: 'ASC' },
      take,
    });
  }

  /**
   * The organisations whose only owner is `userId`. The organisations they own are locked first
   * (as every membership change locks its organisation), so no owner can leave or join meanwhile.
   */
  async soleOwnedBy(userId: string, manager: EntityManager): Promise<Array<{ id: string; name: string }>> {
    await manager.query(
      `SELECT o.id FROM organizations o JOIN organization_members m ON m.organization_id = o.id
        WHERE m.user_id = $1 AND m.role = 'owner' ORDER BY o.id FOR UPDATE OF o`,
      [userId],
    );
    return manager.query(
      `SELECT o.id, o.name FROM organizations o JOIN organization_members m ON m.organization_id = o.id
        WHERE m.user_id = $1 AND m.role = 'owner'
          AND NOT EXISTS (SELECT 1 FROM organization_members other
                           WHERE other.organization_id = o.id AND other.role = 'owner' AND other.user_id <> $1)
        ORDER BY o.name, o.id`,
      [userId],
    );
  }

  /** Rejects with a unique violation when the user is already a member. */
  async addMember(member: NewMember, manager?: EntityManager): Promise<void> {
    await this.members(manager).insert(member);
  }

  async setMemberRole(organizationId: string, userId: string, role: OrganizationRole, manager?: EntityManager): Promise<void> {
    await this.members(manager).update({ organizationId, userId }, { role });
  }

  async removeMember(organizationId: string, userId: string, manager?: EntityManager): Promise<void> {
    await this.members(manager).delete({ organizationId, userId });
  }

  private on(manager?: EntityManager): Repository<OrganizationEntity> {
    return manager ? manager.getRepository(OrganizationEntity) : this.repository;
  }

  private members(manager?: EntityManager): Repository<OrganizationMemberEntity> {
    return (manager ?? this.repository.manager).getRepository(OrganizationMemberEntity);
  }
}
