import { ApiClient } from './client';
import type { ApiKey, Organization, Project } from './types';

export type OrganizationRole = 'owner' | 'admin' | 'member';
export const ORGANIZATION_ROLES: readonly OrganizationRole[] = ['owner', 'admin', 'member'];

/** An organisation as `GET /api/v1/organizations` gives it, with the caller's role there. */
export interface OrganizationView extends Organization {
  role: OrganizationRole;
  createdAt: string;
  updatedAt: string;
}

export interface Member {
  userId: string;
  email: string;
  name: string | null;
  role: OrganizationRole;
  createdAt: string;
}

export interface ProjectView extends Project {
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A key bound to the organisation, with its owner (`GET /api/v1/organizations/:id/keys`, owners and admins). */
export interface OrganizationKey extends ApiKey {
  userId: string;
  owner: { id: string; email: string; name: string | null };
}

const org = (id: string) => `/api/v1/organizations/${encodeURIComponent(id)}`;
const project = (id: string) => `/api/v1/projects/${encodeURIComponent(id)}`;

export const organizationsApi = (api: ApiClient) => ({
  list: (page = 1, limit = 50) => api.page<OrganizationView>('/api/v1/organizations', { page, limit }),
  get: (id: string) => api.get<OrganizationView>(org(id)),
  create: (name: string) => api.post<OrganizationView>('/api/v1/organizations', { name }),
  rename: (id: string, name: string) => api.patch<OrganizationView>(org(id), { name }),
  remove: (id: string) => api.delete<null>(org(id)),
  members: (id: string, page = 1) => api.page<Member>(`${org(id)}/members`, { page, limit: 100 }),
  addMember: (id: string, userId: string, role: OrganizationRole) => api.post<Member>(`${org(id)}/members`, { userId, role }),
  changeRole: (id: string, userId: string, role: OrganizationRole) =>
    api.patch<Member>(`${org(id)}/members/${encodeURIComponent(userId)}`, { role }),
  removeMember: (id: string, userId: string) => api.delete<null>(`${org(id)}/members/${encodeURIComponent(userId)}`),
  leave: (id: string) => api.post<null>(`${org(id)}/leave`),
  projects: (id: string) => api.page<ProjectView>('/api/v1/projects', { organizationId: id, limit: 100 }),
  createProject: (organizationId: string, name: string, description?: string) =>
    api.post<ProjectView>('/api/v1/projects', { organizationId, name, ...(description ? { description } : {}) }),
  updateProject: (id: string, changes: { name?: string; description?: string | null }) => api.patch<ProjectView>(project(id), changes),
  deleteProject: (id: string) => api.delete<null>(project(id)),
  /** Every key bound here, whoever minted it: owners and admins only. */
  keys: (id: string, page = 1) => api.page<OrganizationKey>(`${org(id)}/keys`, { page, limit: 50 }),
  revokeKey: (id: string, keyId: string) => api.delete<OrganizationKey>(`${org(id)}/keys/${encodeURIComponent(keyId)}`),
  /** The caller's own keys bound here (what a member sees). */
  myKeys: (id: string) => api.page<ApiKey>('/api/keys', { organizationId: id, limit: 100 }),
});

export type OrganizationsApi = ReturnType<typeof organizationsApi>;

/** Owners and admins manage the organisation; only owners delete it or touch owners. */
export const canManage = (role: OrganizationRole) => role === 'owner' || role === 'admin';
