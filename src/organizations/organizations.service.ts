import { Injectable } from '@nestjs/common';
import { BoundKeys } from './bound-keys';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditContext } from '../events/audit-context';
import { AuditRecorder, diff } from '../events/audit-recorder';
import { UserEntity } from '../users/user.entity';
import { isUniqueViolation } from '../core/errors/database-errors';
import { Principal } from '../access/principal';
import { orderBy } from '../core/dto/sort';
import { Page } from '../core/http/page';
import { conflict, forbidden, notFound } from '../core/errors/app.exception';
import {
  AddMemberDto,
  CreateOrganizationDto,
  MemberResponseDto,
  OrganizationListQueryDto,
  OrganizationResponseDto,
  UpdateMemberDto,
  UpdateOrganizationDto,
} from './dto/organization.dto';
import { PaginationQueryDto } from '../core/dto/pagination-query.dto';
import { OrganizationMemberEntity } from './entities/organization-member.entity';
import { OrganizationEntity } from './entities/organization.entity';
import { MembershipAccessService } from './membership-access.service';
import { OrganizationRole, mayManageRole } from '../access/organization-roles';
import { ResourceAccess } from '../access/resource.decorators';

const SORT_COLUMNS = { name: 'organization.name', createdAt: 'organization.createdAt', updatedAt: 'organization.updatedAt' };

/**
 * Organisations and their members. Access (membership, binding, role scopes) is settled by the
 * ScopesGuard before a method runs; what remains here are the rules of membership itself: only
 * owners touch owners, and an organisation always keeps an owner.
 */
@Injectable()
export class OrganizationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly memberships: MembershipAccessService,
    private readonly audit: AuditRecorder,
    private readonly boundKeys: BoundKeys,
  ) {}

  /** The creator becomes its first owner. */
  async create(caller: Principal, dto: CreateOrganizationDto, audit: AuditContext): Promise<OrganizationResponseDto> {
    const organization = await this.dataSource.transaction(async (manager) => {
      const created = await manager.save(manager.create(OrganizationEntity, { name: dto.name }));
      await manager.insert(OrganizationMemberEntity, { organizationId: created.id, userId: caller.userId, role: 'owner' });
      await this.audit.record(manager, audit, {
        action: 'organization.created',
        targetType: 'organization',
        targetId: created.id,
        changes: { name: { from: null, to: created.name } },
      });
      return created;
    });
    this.memberships.invalidate(organization.id);
    return toOrganizationResponse(organization, 'owner');
  }

  /**
   * The organisations the caller belongs to (platform admins: all), within its credential's
   * binding: a key bound to an organisation sees that one, a project key none.
   */
  async list(caller: Principal, query: OrganizationListQueryDto): Promise<Page<OrganizationResponseDto>> {
    const builder = this.dataSource.getRepository(OrganizationEntity).createQueryBuilder('organization');
    const joinMembership = caller.role === 'admin' ? 'leftJoinAndMapOne' : 'innerJoinAndMapOne';
    builder[joinMembership](
      'organization.membership',
      OrganizationMemberEntity,
      'member',
      'member.organizationId = organization.id AND member.userId = :userId',
      { userId: caller.userId },
    );
    if (caller.projectId) builder.andWhere('FALSE');
    else if (caller.organizationId) builder.andWhere('organization.id = :organizationId', { organizationId: caller.organizationId });
    const [rows, total] = await builder
      .orderBy(orderBy(query.sort, SORT_COLUMNS, 'organization.id'))
      .skip(query.skip)
      .take(query.limit)
      .getManyAndCount();
    const items = rows.map((row) => {
      const membership = (row as OrganizationEntity & { membership?: OrganizationMemberEntity }).membership;
      return toOrganizationResponse(row, membership?.role ?? 'owner');
    });
    return { items, total };
  }

  async get(access: ResourceAccess): Promise<OrganizationResponseDto> {
    return toOrganizationResponse(await this.find(this.dataSource.manager, access.organizationId), access.role);
  }

  async update(access: ResourceAccess, dto: UpdateOrganizationDto, audit: AuditContext): Promise<OrganizationResponseDto> {
    const saved = await this.dataSource.transaction(async (manager) => {
      const organization = await this.find(manager, access.organizationId, true);
      const before = { ...organization };
      if (dto.name !== undefined) organization.name = dto.name;
      const after = await manager.save(organization);
      const changes = diff(before, after, ['name']);
      if (changes) {
        await this.audit.record(manager, audit, {
          action: 'organization.updated',
          targetType: 'organization',
          targetId: after.id,
          changes,
        });
      }
      return after;
    });
    return toOrganizationResponse(saved, access.role);
  }

  /** Deletes the organisation with its projects, memberships and every key bound to them. */
  async delete(access: ResourceAccess, audit: AuditContext): Promise<void> {
    const keys = await this.dataSource.transaction(async (manager) => {
      const organization = await this.find(manager, access.organizationId, true);
      const bound = await this.boundKeys.collect(manager, { organizationId: organization.id });
      await manager.delete(OrganizationEntity, { id: organization.id });
      await this.audit.record(manager, audit, {
        action: 'organization.deleted',
        targetType: 'organization',
        targetId: organization.id,
        changes: { name: { from: organization.name, to: null }, deletedKeys: { from: bound.count, to: 0 } },
      });
      return bound;
    });
    this.memberships.invalidate(access.organizationId);
    keys.afterCommit();
  }

  async listMembers(access: ResourceAccess, page: PaginationQueryDto): Promise<Page<MemberResponseDto>> {
    const [rows, total] = await this.dataSource.getRepository(OrganizationMemberEntity).findAndCount({
      where: { organizationId: access.organizationId },
      relations: { user: true },
      order: { createdAt: 'ASC', userId: 'ASC' },
      skip: page.skip,
      take: page.limit,
    });
    return { items: rows.map(toMemberResponse), total };
  }

  async addMember(access: ResourceAccess, dto: AddMemberDto, audit: AuditContext): Promise<MemberResponseDto> {
    if (!mayManageRole(access.role, dto.role)) throw forbidden('Only owners can grant the owner role');
    const member = await this.dataSource.transaction(async (manager) => {
      await this.find(manager, access.organizationId, true);
      const user = await manager.findOne(UserEntity, { where: { id: dto.userId, isActive: true } });
      if (!user) throw notFound('User');
      try {
        await manager.insert(OrganizationMemberEntity, { organizationId: access.organizationId, userId: user.id, role: dto.role });
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict('This user is already a member');
        throw error;
      }
      await this.audit.record(manager, audit, {
        action: 'organization.member_added',
        targetType: 'organization',
        targetId: access.organizationId,
        changes: { member: { from: null, to: user.id }, role: { from: null, to: dto.role } },
      });
      return this.findMember(manager, access.organizationId, user.id);
    });
    this.memberships.invalidate(access.organizationId);
    return toMemberResponse(member);
  }

  async updateMember(access: ResourceAccess, userId: string, dto: UpdateMemberDto, audit: AuditContext): Promise<MemberResponseDto> {
    const member = await this.dataSource.transaction(async (manager) => {
      await this.find(manager, access.organizationId, true);
      const member = await this.findMember(manager, access.organizationId, userId);
      if (!mayManageRole(access.role, member.role) || !mayManageRole(access.role, dto.role)) {
        throw forbidden('Only owners can change an owner or grant the owner role');
      }
      if (member.role === dto.role) return member;
      await this.assertKeepsAnOwner(manager, access.organizationId, member);
      const from = member.role;
      await manager.update(OrganizationMemberEntity, { organizationId: access.organizationId, userId }, { role: dto.role });
      await this.audit.record(manager, audit, {
        action: 'organization.member_role_changed',
        targetType: 'organization',
        targetId: access.organizationId,
        changes: { member: { from: userId, to: userId }, role: { from, to: dto.role } },
      });
      return this.findMember(manager, access.organizationId, userId);
    });
    this.memberships.invalidate(access.organizationId);
    return toMemberResponse(member);
  }

  /** Removes a member (or, with `userId` the caller's own, leaves). Their keys bound here lose all scopes. */
  async removeMember(access: ResourceAccess, userId: string, audit: AuditContext, leaving = false): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.find(manager, access.organizationId, true);
      const member = await this.findMember(manager, access.organizationId, userId);
      if (!leaving && !mayManageRole(access.role, member.role)) throw forbidden('Only owners can remove an owner');
      await this.assertKeepsAnOwner(manager, access.organizationId, member);
      await manager.delete(OrganizationMemberEntity, { organizationId: access.organizationId, userId });
      await this.audit.record(manager, audit, {
        action: 'organization.member_removed',
        targetType: 'organization',
        targetId: access.organizationId,
        changes: { member: { from: userId, to: null }, role: { from: member.role, to: null } },
      });
    });
    this.memberships.invalidate(access.organizationId);
  }

  /** The organisation row, locked for the transaction when `lock`: membership changes take turns. */
  private async find(manager: EntityManager, id: string, lock = false): Promise<OrganizationEntity> {
    const organization = await manager.findOne(OrganizationEntity, {
      where: { id },
      ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!organization) throw notFound('Organization');
    return organization;
  }

  private async findMember(manager: EntityManager, organizationId: string, userId: string): Promise<OrganizationMemberEntity> {
    const member = await manager.findOne(OrganizationMemberEntity, { where: { organizationId, userId }, relations: { user: true } });
    if (!member) throw notFound('Member');
    return member;
  }

  private async assertKeepsAnOwner(manager: EntityManager, organizationId: string, leaving: OrganizationMemberEntity): Promise<void> {
    if (leaving.role !== 'owner') return;
    const owners = await manager.count(OrganizationMemberEntity, { where: { organizationId, role: 'owner' } });
    if (owners <= 1) throw conflict('An organization must keep at least one owner');
  }
}

function toOrganizationResponse(organization: OrganizationEntity, role: OrganizationRole): OrganizationResponseDto {
  return {
    id: organization.id,
    name: organization.name,
    role,
    createdAt: organization.createdAt.toISOString(),
    updatedAt: organization.updatedAt.toISOString(),
  };
}

function toMemberResponse(member: OrganizationMemberEntity): MemberResponseDto {
  return {
    userId: member.userId,
    email: member.user?.email ?? '',
    name: member.user?.name ?? null,
    role: member.role,
    createdAt: member.createdAt.toISOString(),
  };
}
