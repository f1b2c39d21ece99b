import { ApiClient } from './client';
import type { Me, MfaChallenge, Session, SignedIn, User } from './types';

export const authApi = (api: ApiClient) => ({
  /** Who is signed in: 401 (quietly) when nobody is. */
  me: () => api.get<Me>('/api/auth/me', { quiet401: true }),
  csrf: () => api.get<{ csrfToken: string }>('/api/auth/csrf', { quiet401: true }),
  options: () => api.get<{ registrationOpen: boolean }>('/api/auth/options', { quiet401: true }),
  /** Signed in, or (two-factor on) the challenge of the code step. */
  signIn: (email: string, password: string) =>
    api.post<SignedIn | MfaChallenge>('/api/auth/sessions', { email, password }, { quiet401: true }),
  signInCode: (mfaToken: string, code: string) => api.post<SignedIn>('/api/auth/sessions/mfa', { mfaToken, code }, { quiet401: true }),
  register: (email: string, password: string, name?: string) =>
    api.post<User>('/api/auth/register', { email, password, ...(name ? { name } : {}) }, { quiet401: true }),
  signOut: () => api.delete<unknown>('/api/auth/session'),
  sessions: (page = 1) => api.page<Session>('/api/auth/sessions', { page, limit: 100 }),
  revokeSession: (id: string) => api.delete<unknown>(`/api/auth/sessions/${encodeURIComponent(id)}`),
  signOutEverywhere: () => api.delete<unknown>('/api/auth/sessions'),
  updateProfile: (change: { name?: string | null; email?: string; currentPassword?: string }) => api.patch<User>('/api/auth/me', change),
  changePassword: (currentPassword: string, newPassword: string) =>
    api.post<undefined>('/api/auth/password', { currentPassword, newPassword }),
  exportData: () => api.file('/api/auth/me/export'),
  deleteAccount: (password: string) => api.delete<undefined>('/api/auth/me', { password }),
});

export type AuthApi = ReturnType<typeof authApi>;
