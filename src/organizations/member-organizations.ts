import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { OrganizationRole } from '../access/organization-roles';
import { MembershipAccessService } from './membership-access.service';
import { OrganizationRepository } from './organization.repository';
import { ProjectRepository } from './project.repository';

/** A user's place in one organisation. */
export interface UserMembership {
  organizationId: string;
  name: string;
  role: OrganizationRole;
  joinedAt: Date;
}

export interface MemberProject {
  id: string;
  organizationId: string;
  name: string;
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * What the account layer needs of a user's organisations: their memberships and projects (the
 * data export), and which organisations would be left without an owner (account deletion).
 */
@Injectable()
export class MemberOrganizations {
  constructor(
    private readonly organizations: OrganizationRepository,
    private readonly projects: ProjectRepository,
    private readonly memberships: MembershipAccessService,
  ) {}

  async membershipsOf(userId: string, limit: number): Promise<UserMembership[]> {
    const rows = await this.organizations.membershipsOf(userId, limit);
    return rows.map((row) => ({
      organizationId: row.organizationId,
      name: row.organization?.name ?? '',
      role: row.role,
      joinedAt: row.createdAt,
    }));
  }

  /** Projects of every organisation the user belongs to. */
  async projectsOf(userId: string, limit: number): Promise<MemberProject[]> {
    const { items } = await this.projects.list({ memberId: userId }, { sort: 'name', skip: 0, take: limit });
    return items;
  }

  /** Organisations the user is the only owner of, locked for the rest of `manager`'s transaction. */
  soleOwnedBy(userId: string, manager: EntityManager): Promise<Array<{ id: string; name: string }>> {
    return this.organizations.soleOwnedBy(userId, manager);
  }

  /** After the user's memberships went (their account was removed): every instance forgets cached roles. */
  membershipsRemoved(userId: string): void {
    this.memberships.invalidate(userId);
  }
}
