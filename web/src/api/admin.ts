import { ApiClient } from './client';
import type { AdminApiKey, AuditEvent, KeyStatus, User } from './types';

export const ADMIN_PAGE_SIZE = 20;

export interface AdminUserFilter {
  search?: string;
  role?: User['role'];
  isActive?: boolean;
}

export interface AdminKeyFilter {
  ownerEmail?: string;
  search?: string;
  status?: KeyStatus;
}

/** `GET /api/admin/audit-events` filters; `from` inclusive, `to` exclusive (ISO date-times). */
export interface AuditFilter {
  actorId?: string;
  targetId?: string;
  action?: string;
  from?: string;
  to?: string;
}

export const AUDIT_EVENTS_PATH = '/api/admin/audit-events';

const user = (id: string) => `/api/admin/users/${encodeURIComponent(id)}`;
const key = (id: string) => `/api/admin/api-keys/${encodeURIComponent(id)}`;
const flag = (value: boolean | undefined) => (value === undefined ? undefined : String(value));

/** The `/api/admin/*` routes (role admin, scope admin:all: a session of an admin holds both). */
export const adminApi = (api: ApiClient) => ({
  users: (filter: AdminUserFilter, page: number, limit = ADMIN_PAGE_SIZE) =>
    api.page<User>('/api/admin/users', { ...filter, isActive: flag(filter.isActive), page, limit }),
  updateUser: (id: string, change: { role?: User['role']; isActive?: boolean }) => api.patch<User>(user(id), change),
  /** Built by the two-factor slice: 204, two-factor off for that user. */
  resetTwoFactor: (id: string) => api.delete<unknown>(`${user(id)}/mfa`),
  keys: (filter: AdminKeyFilter, page: number, limit = ADMIN_PAGE_SIZE) =>
    api.page<AdminApiKey>('/api/admin/api-keys', { ...filter, page, limit }),
  setKeyActive: (id: string, isActive: boolean) => api.put<AdminApiKey>(key(id), { isActive }),
  deleteKey: (id: string) => api.delete<null>(key(id)),
  auditEvents: (filter: AuditFilter, page: number, limit = 50) => api.page<AuditEvent>(AUDIT_EVENTS_PATH, { ...filter, page, limit }),
});

export type AdminApi = ReturnType<typeof adminApi>;

/** The CSV export of every event matching `filter`: a plain GET, so a link downloads it with the session cookie. */
export function auditCsvUrl(filter: AuditFilter): string {
  const params = new URLSearchParams({ format: 'csv' });
  for (const [name, value] of Object.entries(filter) as Array<[string, string | undefined]>) if (value) params.set(name, value);
  return `${AUDIT_EVENTS_PATH}?${params.toString()}`;
}
