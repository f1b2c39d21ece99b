import { ApiClient } from './client';
import type { MfaProof, MfaStatus, TotpEnrolment } from './types';

/** Two-factor authentication of the signed-in account. */
export const mfaApi = (api: ApiClient) => ({
  status: () => api.get<MfaStatus>('/api/auth/mfa'),
  startTotp: () => api.post<TotpEnrolment>('/api/auth/mfa/totp', {}),
  confirmTotp: (code: string) => api.post<{ recoveryCodes: string[] }>('/api/auth/mfa/totp/confirm', { code }),
  disable: (proof: MfaProof) => api.delete<unknown>('/api/auth/mfa', proof),
  regenerateRecoveryCodes: (proof: MfaProof) => api.post<{ recoveryCodes: string[] }>('/api/auth/mfa/recovery-codes', proof),
});

export type MfaApi = ReturnType<typeof mfaApi>;
