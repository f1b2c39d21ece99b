import type { Member, OrganizationKey, OrganizationRole, OrganizationView, ProjectView } from '../api/organizations';
import { FakeApi, USER, apiKey, created, fail, ok } from './fake-api';

export const ORG_ID = '4a1c0000-0000-4000-8000-000000000001';
export const BOB_ID = '4a1c0000-0000-4000-8000-0000000000b0';
export const CAROL_ID = '4a1c0000-0000-4000-8000-0000000000c0';
export const PROJECT_ID = '4a1c0000-0000-4000-8000-0000000000a1';

const AT = '2026-11-25T09:00:00.000Z';
const page = <T>(items: T[]) => ok(items, { meta: { page: 1, limit: 100, total: items.length } });

/** A fake organisation `Acme` where the signed-in user has `role`, with Bob as member and one project. */
export function withOrganization(api: FakeApi, role: OrganizationRole = 'owner') {
  const organization: OrganizationView = { id: ORG_ID, name: 'Acme', role, createdAt: AT, updatedAt: AT };
  const members: Member[] = [
    { userId: USER.id, email: USER.email, name: USER.name, role, createdAt: AT },
    { userId: BOB_ID, email: 'bob@example.com', name: 'Bob', role: 'member', createdAt: AT },
  ];
  const projects: ProjectView[] = [
    { id: PROJECT_ID, organizationId: ORG_ID, name: 'billing-api', description: null, createdAt: AT, updatedAt: AT },
  ];
  const keys: OrganizationKey[] = [
    {
      ...apiKey({ id: '7d8e9f00-0000-4000-8000-0000000000b1', name: 'bob deploy', organizationId: ORG_ID }),
      userId: BOB_ID,
      owner: { id: BOB_ID, email: 'bob@example.com', name: 'Bob' },
    },
    {
      ...apiKey({ id: '7d8e9f00-0000-4000-8000-0000000000a2', name: 'my org key', organizationId: ORG_ID }),
      userId: USER.id,
      owner: { id: USER.id, email: USER.email, name: USER.name },
    },
  ];
  let exists = true;
  api
    .on('GET', '/api/v1/organizations', () => page(exists ? [organization] : []))
    .on('POST', '/api/v1/organizations', (request) => {
      Object.assign(organization, { name: (request.body as { name: string }).name, role: 'owner' });
      exists = true;
      return created(organization);
    })
    .on('GET', '/api/v1/organizations/:id', (_r, params) => (params.id === ORG_ID && exists ? ok(organization) : undefined))
    .on('PATCH', '/api/v1/organizations/:id', (request) => {
      organization.name = (request.body as { name: string }).name;
      return ok(organization);
    })
    .on('DELETE', '/api/v1/organizations/:id', () => {
      exists = false;
      return ok(null, { message: 'Organization deleted' });
    })
    .on('POST', '/api/v1/organizations/:id/leave', () => fail(409, 'conflict', 'The last owner cannot leave the organization'))
    .on('GET', '/api/v1/organizations/:id/members', () => page(members))
    .on('POST', '/api/v1/organizations/:id/members', (request) => {
      const { userId, role: granted } = request.body as { userId: string; role: OrganizationRole };
      if (userId !== CAROL_ID) return fail(404, 'not_found', 'User not found');
      const member = { userId, email: 'carol@example.com', name: 'Carol', role: granted, createdAt: AT };
      members.push(member);
      return created(member);
    })
    .on('PATCH', '/api/v1/organizations/:id/members/:userId', (request, params) => {
      const member = members.find((candidate) => candidate.userId === params.userId)!;
      member.role = (request.body as { role: OrganizationRole }).role;
      return ok(member);
    })
    .on('DELETE', '/api/v1/organizations/:id/members/:userId', (_r, params) => {
      members.splice(
        members.findIndex((candidate) => candidate.userId === params.userId),
        1,
      );
      return ok(null);
    })
    .on('GET', '/api/v1/projects', () => page(projects))
    .on('POST', '/api/v1/projects', (request) => {
      const body = request.body as { name: string; description?: string };
      if (projects.some((project) => project.name === body.name)) return fail(409, 'conflict', 'A project with this name already exists');
      const project = {
        id: `${PROJECT_ID.slice(0, -1)}2`,
        organizationId: ORG_ID,
        name: body.name,
        description: body.description ?? null,
        createdAt: AT,
        updatedAt: AT,
      };
      projects.push(project);
      return created(project);
    })
    .on('PATCH', '/api/v1/projects/:id', (request, params) => {
      const project = projects.find((candidate) => candidate.id === params.id)!;
      project.name = (request.body as { name: string }).name;
      return ok(project);
    })
    .on('DELETE', '/api/v1/projects/:id', (_r, params) => {
      projects.splice(
        projects.findIndex((candidate) => candidate.id === params.id),
        1,
      );
      return ok(null);
    })
    .on('GET', '/api/v1/organizations/:id/keys', () =>
      role === 'member' ? fail(403, 'insufficient_scope', 'Missing required scope: admin:keys') : page(keys),
    )
    .on('DELETE', '/api/v1/organizations/:id/keys/:keyId', (_r, params) => {
      const key = keys.find((candidate) => candidate.id === params.keyId)!;
      Object.assign(key, { status: 'revoked', revokedAt: AT });
      return ok(key);
    })
    .on('GET', '/api/keys', (request) =>
      page(request.query.get('organizationId') === ORG_ID ? [apiKey({ id: keys[1].id, name: 'my org key', organizationId: ORG_ID })] : []),
    );
  return { organization, members, projects, keys };
}
