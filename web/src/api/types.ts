/** The API's shapes the dashboard reads, as the OpenAPI document (/docs-json) describes them. */

export interface User {
  id: string;
  email: string;
  name: string | null;
  role: 'user' | 'admin';
  isActive: boolean;
  /** Two-factor authentication (TOTP) is on. */
  mfaEnabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export type CredentialMethod = 'jwt' | 'api_key' | 'session';

export interface Me extends User {
  method: CredentialMethod;
}

export interface Session {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  idleExpiresAt?: string;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

export interface SignedIn {
  user: User;
  session: Session;
  csrfToken: string;
}

/** The password was right and the account has two-factor on: the code step comes next. */
export interface MfaChallenge {
  mfaRequired: true;
  mfaToken: string;
  mfaTokenExpiresAt: string;
  methods: Array<'totp' | 'recovery_code'>;
}

export interface MfaStatus {
  enabled: boolean;
  enabledAt: string | null;
  pending: boolean;
  recoveryCodesLeft: number;
  /** REQUIRE_MFA_FOR_ADMINS applies and the account has no two-factor yet. */
  required: boolean;
}

export interface TotpEnrolment {
  secret: string;
  otpauthUri: string;
  /** An SVG data URL. */
  qrCode: string;
}

/** Proof of the account's owner: the password or a code. */
export type MfaProof = { password: string } | { code: string };

export type KeyStatus = 'active' | 'inactive' | 'revoked' | 'expired' | 'rotated';

export interface RateLimit {
  limit: number;
  windowSeconds: number;
  strategy?: string;
  burst?: number;
}

export interface Quota {
  limit: number;
  period: 'day' | 'month';
}

export interface QuotaUsage extends Quota {
  used: number;
  remaining: number;
  resetsAt: string;
}

export interface RotationPolicy {
  everyDays: number;
  gracePeriodSeconds?: number;
  notifyDaysBefore?: number;
}

export interface ApiKey {
  id: string;
  name: string;
  keyPrefix: string;
  isActive: boolean;
  organizationId: string | null;
  projectId: string | null;
  parentKeyId: string | null;
  status: KeyStatus;
  scopes: string[];
  expiresAt: string | null;
  revokedAt: string | null;
  rotatedAt: string | null;
  replacedById: string | null;
  lastUsedAt: string | null;
  rateLimit: RateLimit | null;
  quota: QuotaUsage | null;
  allowedIps: string[] | null;
  rotationPolicy: Required<RotationPolicy> | null;
  rotationDueAt: string | null;
  revealPending: boolean;
  createdAt: string;
  updatedAt: string;
}

/** A key with its secret: only in the answer to create, rotate or reveal, and only in memory. */
export interface CreatedApiKey extends ApiKey {
  key: string;
}

export interface RotatedApiKey extends CreatedApiKey {
  previousKey: { id: string; expiresAt: string };
}

export interface CreateKeyInput {
  name: string;
  scopes?: string[];
  expiresAt?: string;
  rateLimit?: RateLimit;
  quota?: Quota;
  allowedIps?: string[];
  rotationPolicy?: RotationPolicy;
  organizationId?: string;
  projectId?: string;
}

export interface UpdateKeyInput {
  name?: string;
  scopes?: string[];
  allowedIps?: string[] | null;
  rotationPolicy?: RotationPolicy | null;
  isActive?: boolean;
}

/** An entry of the administrators' list of every key: the owner's view plus who owns it. */
export interface AdminApiKey extends ApiKey {
  userId: string;
  owner: { id: string; email: string; name: string | null };
}

export interface AuditEvent {
  id: string;
  occurredAt: string;
  action: string;
  actorType: string;
  actorId: string | null;
  actorKeyId: string | null;
  targetType: string;
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  changes: Record<string, { from?: unknown; to?: unknown }> | null;
}

export interface Organization {
  id: string;
  name: string;
}

export interface Project {
  id: string;
  name: string;
  organizationId: string;
}
