import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { AppException } from '../core/errors/app.exception';
import type { AuditContext } from '../events/audit-context';
import type { AuditRecorder } from '../events/audit-recorder';
import type { OrganizationRole } from '../access/organization-roles';
import type { Principal } from '../access/principal';
import type { ResourceAccess } from '../access/resource.decorators';
import { UserEntity } from '../users/user.entity';
import type { UserRepository } from '../users/user.repository';
import { FakeAuditRecorder, FakeTransactions } from '../../test/support/unit-fakes';
import { BoundKeys } from './bound-keys';
import { OrganizationMemberEntity } from './entities/organization-member.entity';
import { OrganizationEntity } from './entities/organization.entity';
import type { MembershipAccessService } from './membership-access.service';
import type { ListPage, NewMember, OrganizationFilter, OrganizationRepository } from './organization.repository';
import { OrganizationsService } from './organizations.service';

const ORG = 'org-1';
const AT = new Date('2026-01-01T00:00:00.000Z');

/** The organisation aggregate behind OrganizationRepository's interface, in memory. */
class FakeOrganizations implements Omit<OrganizationRepository, 'exists' | 'memberRole' | 'membershipsOf' | 'soleOwnedBy'> {
  readonly organizations: OrganizationEntity[] = [];
  readonly members: OrganizationMemberEntity[] = [];
  /** What the last `list` was asked for. */
  listed?: { filter: OrganizationFilter; page: ListPage };

  readonly create = jest.fn(async (name: string, _manager?: EntityManager) => this.seed(`org-${this.organizations.length + 1}`, name));
  readonly getById = jest.fn(async (id: string) => this.organizations.find((row) => row.id === id) ?? null);
  readonly getForUpdate = jest.fn(async (id: string, _manager: EntityManager) => this.organizations.find((row) => row.id === id) ?? null);
  readonly list = jest.fn(async (filter: OrganizationFilter, page: ListPage) => {
    this.listed = { filter, page };
    return { items: this.organizations.map((organization) => ({ organization, role: null })), total: this.organizations.length };
  });
  readonly save = jest.fn(async (organization: OrganizationEntity) => organization);
  readonly delete = jest.fn(async (_id: string, _manager?: EntityManager) => undefined);
  readonly getMember = jest.fn(
    async (organizationId: string, userId: string) =>
      this.members.find((row) => row.organizationId === organizationId && row.userId === userId) ?? null,
  );
  readonly listMembers = jest.fn(async () => ({ items: this.members, total: this.members.length }));
  readonly countOwners = jest.fn(
    async (organizationId: string) => this.members.filter((row) => row.organizationId === organizationId && row.role === 'owner').length,
  );
  readonly addMember = jest.fn(async (member: NewMember, _manager?: EntityManager) => {
    if (this.members.some((row) => row.organizationId === member.organizationId && row.userId === member.userId)) {
      throw new QueryFailedError('INSERT ...', [], Object.assign(new Error('duplicate key value'), { code: '23505' }));
    }
    this.members.push(Object.assign(new OrganizationMemberEntity(), member, { createdAt: AT, updatedAt: AT }));
  });
  readonly setMemberRole = jest.fn(async (organizationId: string, userId: string, role: OrganizationRole, _manager?: EntityManager) => {
    for (const row of this.members) if (row.organizationId === organizationId && row.userId === userId) row.role = role;
  });
  readonly removeMember = jest.fn(async (organizationId: string, userId: string, _manager?: EntityManager) => {
    const index = this.members.findIndex((row) => row.organizationId === organizationId && row.userId === userId);
    if (index >= 0) this.members.splice(index, 1);
  });

  seed(id: string, name = 'Acme'): OrganizationEntity {
    const organization = Object.assign(new OrganizationEntity(), { id, name, createdAt: AT, updatedAt: AT });
    this.organizations.push(organization);
    return organization;
  }

  seedMember(userId: string, role: OrganizationRole, organizationId = ORG): void {
    this.members.push(Object.assign(new OrganizationMemberEntity(), { organizationId, userId, role, createdAt: AT, updatedAt: AT }));
  }
}

const ANYONE: AuditContext = { actorType: 'user', actorId: 'caller', actorKeyId: null, ip: null, userAgent: null, requestId: null };

const caller = (overrides: Partial<Principal> = {}): Principal => ({
  method: 'jwt',
  userId: 'caller',
  role: 'user',
  scopes: [],
  organizationId: null,
  projectId: null,
  expiresAt: null,
  ...overrides,
});

const as = (role: OrganizationRole): ResourceAccess => ({ organizationId: ORG, projectId: null, role });

async function rejection(promise: Promise<unknown>): Promise<AppException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppException);
  return error as AppException;
}

describe('OrganizationsService', () => {
  let transactions: FakeTransactions;
  let organizations: FakeOrganizations;
  let activeUsers: UserEntity[];
  let memberships: { invalidate: jest.Mock };
  let audit: FakeAuditRecorder;
  let boundKeys: BoundKeys;
  let service: OrganizationsService;

  beforeEach(() => {
    transactions = new FakeTransactions();
    organizations = new FakeOrganizations();
    organizations.seed(ORG);
    activeUsers = [Object.assign(new UserEntity(), { id: 'newcomer', isActive: true })];
    const users: Pick<UserRepository, 'getActive'> = { getActive: async (id) => activeUsers.find((user) => user.id === id) ?? null };
    // Invalidating while the transaction is still open would let a concurrent read cache the old roles.
    memberships = { invalidate: jest.fn(() => expect(transactions.inTransaction).toBe(false)) };
    audit = new FakeAuditRecorder(transactions);
    boundKeys = new BoundKeys();
    service = new OrganizationsService(
      transactions as unknown as DataSource,
      organizations as unknown as OrganizationRepository,
      users as UserRepository,
      memberships as unknown as MembershipAccessService,
      audit as unknown as AuditRecorder,
      boundKeys,
    );
  });

  it('makes the creator the first owner, in the transaction that creates the organisation', async () => {
    const created = await service.create(caller(), { name: 'Globex' }, ANYONE);

    expect(created).toMatchObject({ name: 'Globex', role: 'owner' });
    expect(organizations.addMember).toHaveBeenCalledWith(
      { organizationId: created.id, userId: 'caller', role: 'owner' },
      transactions.transactional,
    );
    expect(audit.calls).toEqual([expect.objectContaining({ manager: transactions.transactional, inTransaction: true })]);
    expect(memberships.invalidate).toHaveBeenCalledWith(created.id);
  });

  describe('list', () => {
    const page = { sort: 'name', skip: 0, limit: 20 } as Parameters<OrganizationsService['list']>[1];

    it('lists nothing for a key bound to a project, without a query', async () => {
      await expect(service.list(caller({ projectId: 'project-1', organizationId: ORG }), page)).resolves.toEqual({ items: [], total: 0 });
      expect(organizations.list).not.toHaveBeenCalled();
    });

    it("lists a user's memberships only, and a bound key's organisation only", async () => {
      await service.list(caller({ organizationId: ORG }), page);
      expect(organizations.listed).toEqual({
        filter: { userId: 'caller', membersOnly: true, organizationId: ORG },
        page: { sort: 'name', skip: 0, take: 20 },
      });
    });

    it('lists every organisation for a platform admin, as owner where not a member', async () => {
      const { items } = await service.list(caller({ role: 'admin' }), page);
      expect(organizations.listed?.filter).toEqual({ userId: 'caller', membersOnly: false, organizationId: undefined });
      expect(items).toEqual([expect.objectContaining({ id: ORG, role: 'owner' })]);
    });
  });

  describe('members', () => {
    it('refuses an admin granting the owner role before touching anything', async () => {
      const error = await rejection(service.addMember(as('admin'), { userId: 'newcomer', role: 'owner' }, ANYONE));
      expect(error.getStatus()).toBe(403);
      expect(transactions.transaction).not.toHaveBeenCalled();
    });

    it('adds an active user, audited in the transaction, and drops cached roles after commit', async () => {
      const member = await service.addMember(as('admin'), { userId: 'newcomer', role: 'member' }, ANYONE);
      expect(member).toMatchObject({ userId: 'newcomer', role: 'member' });
      expect(organizations.getForUpdate).toHaveBeenCalledWith(ORG, transactions.transactional);
      expect(audit.actions).toEqual(['organization.member_added']);
      expect(audit.calls[0].inTransaction).toBe(true);
      expect(memberships.invalidate).toHaveBeenCalledWith(ORG);
    });

    it('answers 404 for an unknown or deactivated user, and 409 for a member', async () => {
      activeUsers = [];
      expect((await rejection(service.addMember(as('owner'), { userId: 'newcomer', role: 'member' }, ANYONE))).getStatus()).toBe(404);
      organizations.seedMember('member-1', 'member');
      activeUsers = [Object.assign(new UserEntity(), { id: 'member-1', isActive: true })];
      expect((await rejection(service.addMember(as('owner'), { userId: 'member-1', role: 'admin' }, ANYONE))).getStatus()).toBe(409);
      expect(audit.calls).toEqual([]);
    });

    it('keeps an owner: the last one can neither be demoted nor leave', async () => {
      organizations.seedMember('caller', 'owner');
      const demoted = await rejection(service.updateMember(as('owner'), 'caller', { role: 'admin' }, ANYONE));
      const left = await rejection(service.removeMember(as('owner'), 'caller', ANYONE, true));

      expect([demoted.getStatus(), left.getStatus()]).toEqual([409, 409]);
      expect(organizations.setMemberRole).not.toHaveBeenCalled();
      expect(organizations.removeMember).not.toHaveBeenCalled();
      expect(organizations.members).toEqual([expect.objectContaining({ userId: 'caller', role: 'owner' })]);
    });

    it('lets only owners change or remove an owner', async () => {
      organizations.seedMember('owner-1', 'owner');
      organizations.seedMember('owner-2', 'owner');
      expect((await rejection(service.updateMember(as('admin'), 'owner-1', { role: 'member' }, ANYONE))).getStatus()).toBe(403);
      expect((await rejection(service.removeMember(as('admin'), 'owner-1', ANYONE))).getStatus()).toBe(403);

      await service.updateMember(as('owner'), 'owner-1', { role: 'member' }, ANYONE);
      expect(organizations.setMemberRole).toHaveBeenCalledWith(ORG, 'owner-1', 'member', transactions.transactional);
      expect(audit.actions).toEqual(['organization.member_role_changed']);
    });

    it('changes nothing and records nothing when the role is the same', async () => {
      organizations.seedMember('member-1', 'member');
      await expect(service.updateMember(as('admin'), 'member-1', { role: 'member' }, ANYONE)).resolves.toMatchObject({ role: 'member' });
      expect(organizations.setMemberRole).not.toHaveBeenCalled();
      expect(audit.calls).toEqual([]);
    });
  });

  it('deletes with the keys bound to the organisation counted in the audit, forgetting them only after commit', async () => {
    const forget = jest.fn((_ids: string[]) => expect(transactions.inTransaction).toBe(false));
    boundKeys.register({ idsBoundTo: async () => ['key-1', 'key-2'], forget });

    await service.delete(as('owner'), ANYONE);

    expect(organizations.delete).toHaveBeenCalledWith(ORG, transactions.transactional);
    expect(audit.calls[0].event).toMatchObject({ action: 'organization.deleted', changes: { deletedKeys: { from: 2, to: 0 } } });
    expect(forget).toHaveBeenCalledWith(['key-1', 'key-2']);
    expect(memberships.invalidate).toHaveBeenCalledWith(ORG);
  });
});
