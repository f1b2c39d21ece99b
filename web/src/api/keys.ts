import { ApiClient } from './client';
import type { ApiKey, AuditEvent, CreateKeyInput, CreatedApiKey, Organization, Project, RotatedApiKey, UpdateKeyInput } from './types';

const key = (id: string) => `/api/keys/${encodeURIComponent(id)}`;

export const keysApi = (api: ApiClient) => ({
  list: (page: number, limit = 20) => api.page<ApiKey>('/api/keys', { page, limit }),
  get: (id: string) => api.get<ApiKey>(key(id)),
  create: (input: CreateKeyInput) => api.post<CreatedApiKey>('/api/keys', input),
  update: (id: string, input: UpdateKeyInput) => api.patch<ApiKey>(key(id), input),
  rotate: (id: string, gracePeriodSeconds: number) => api.post<RotatedApiKey>(`${key(id)}/rotate`, { gracePeriodSeconds }),
  reveal: (id: string) => api.post<CreatedApiKey>(`${key(id)}/reveal`),
  revoke: (id: string) => api.delete<ApiKey>(key(id)),
  events: (id: string, page = 1) => api.page<AuditEvent>(`${key(id)}/events`, { page, limit: 50 }),
  organizations: () => api.page<Organization>('/api/v1/organizations', { limit: 100 }),
  projects: () => api.page<Project>('/api/v1/projects', { limit: 100 }),
});

export type KeysApi = ReturnType<typeof keysApi>;
