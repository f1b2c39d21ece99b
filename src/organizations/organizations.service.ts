import { Injectable } from '@nestjs/common';
import { BoundKeys } from './bound-keys';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditContext } from '../events/audit-context';
import { AuditRecorder, diff } from '../events/audit-recorder';
import { UserRepository } from '../users/user.repository';
import { isUniqueViolation } from '../core/errors/database-errors';
import { Principal } from '../access/principal';
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
import { OrganizationRepository } from './organization.repository';
import { MembershipAccessService } from './membership-access.service';
import { OrganizationRole, mayManageRole } from '../access/organization-roles';
import { ResourceAccess } from '../access/resource.decorators';

/**
 * Organisations and their members. Access (membership, binding, role scopes) is settled by the
 * OrganizationAccessGuard before a method runs; what remains here are the rules of membership
 * itself: only owners touch owners, and an organisation always keeps an owner.
 */
@Injectable()
export class OrganizationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly organizations: OrganizationRepository,
    private readonly users: UserRepository,
    private readonly memberships: MembershipAccessService,
    private readonly audit: AuditRecorder,
    private readonly boundKeys: BoundKeys,
  ) {}

  /** The creator becomes its first owner. */
  async create(caller: Principal, dto: CreateOrganizationDto, audit: AuditContext): Promise<OrganizationResponseDto> {
    const organization = await this.dataSource.transaction(async (manager) => {
      const created = await this.organizations.create(dto.name, manager);
      await this.organizations.addMember({ organizationId: created.id, userId: caller.userId, role: 'owner' }, manager);
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
    if (caller.projectId) return { items: [], total: 0 };
    const { items, total } = await this.organizations.list(
      { userId: caller.userId, membersOnly: caller.role !== 'admin', organizationId: caller.organizationId ?? undefined },
      { sort: query.sort, skip: query.skip, take: query.limit },
    );
    // A platform admin listed where it is no member acts as an owner there.
    return { items: items.map(({ organization, role }) => toOrganizationResponse(organization, role ?? 'owner')), total };
  }

  async get(access: ResourceAccess): Promise<OrganizationResponseDto> {
    return toOrganizationResponse(found(await this.organizations.getById(access.organizationId)), access.role);
  }

  async update(access: ResourceAccess, dto: UpdateOrganizationDto, audit: AuditContext): Promise<OrganizationResponseDto> {
    const saved = await this.dataSource.transaction(async (manager) => {
      const organization = await this.lock(manager, access.organizationId);
      const before = { ...organization };
      if (dto.name !== undefined) organization.name = dto.name;
      const after = await this.organizations.save(organization, manager);
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
      const organization = await this.lock(manager, access.organizationId);
      const bound = await this.boundKeys.collect(manager, { organizationId: organization.id });
      await this.organizations.delete(organization.id, manager);
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
    const { items, total } = await this.organizations.listMembers(access.organizationId, { skip: page.skip, take: page.limit });
    return { items: items.map(toMemberResponse), total };
  }

  async addMember(access: ResourceAccess, dto: AddMemberDto, audit: AuditContext): Promise<MemberResponseDto> {
    if (!mayManageRole(access.role, dto.role)) throw forbidden('Only owners can grant the owner role');
    const member = await this.dataSource.transaction(async (manager) => {
      await this.lock(manager, access.organizationId);
      const user = await this.users.getActive(dto.userId, manager);
      if (!user) throw notFound('User');
      try {
        await this.organizations.addMember({ organizationId: access.organizationId, userId: user.id, role: dto.role }, manager);
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
      await this.lock(manager, access.organizationId);
      const member = await this.findMember(manager, access.organizationId, userId);
      if (!mayManageRole(access.role, member.role) || !mayManageRole(access.role, dto.role)) {
        throw forbidden('Only owners can change an owner or grant the owner role');
      }
      if (member.role === dto.role) return member;
      await this.assertKeepsAnOwner(manager, access.organizationId, member);
      const from = member.role;
      await this.organizations.setMemberRole(access.organizationId, userId, dto.role, manager);
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
      await this.lock(manager, access.organizationId);
      const member = await this.findMember(manager, access.organizationId, userId);
      if (!leaving && !mayManageRole(access.role, member.role)) throw forbidden('Only owners can remove an owner');
      await this.assertKeepsAnOwner(manager, access.organizationId, member);
      await this.organizations.removeMember(access.organizationId, userId, manager);
      await this.audit.record(manager, audit, {
        action: 'organization.member_removed',
        targetType: 'organization',
        targetId: access.organizationId,
        changes: { member: { from: userId, to: null }, role: { from: member.role, to: null } },
      });
    });
    this.memberships.invalidate(access.organizationId);
  }

  /** The organisation row, locked for the rest of the transaction: membership changes take turns. */
  private async lock(manager: EntityManager, id: string): Promise<OrganizationEntity> {
    return found(await this.organizations.getForUpdate(id, manager));
  }

  private async findMember(manager: EntityManager, organizationId: string, userId: string): Promise<OrganizationMemberEntity> {
    const member = await this.organizations.getMember(organizationId, userId, manager);
    if (!member) throw notFound('Member');
    return member;
  }

  private async assertKeepsAnOwner(manager: EntityManager, organizationId: string, leaving: OrganizationMemberEntity): Promise<void> {
    if (leaving.role !== 'owner') return;
    const owners = await this.organizations.countOwners(organizationId, manager);
    if (owners <= 1) throw conflict('An organization must keep at least one owner');
  }
}

function found(organization: OrganizationEntity | null): OrganizationEntity {
  if (!organization) throw notFound('Organization');
  return organization;
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
