import type { IpMatcher } from '../core/net/ip-allowlist';
import type { UserRole } from './roles';

/** A key's own rate limit, overriding the default for keys. */
export interface RateLimitSetting {
  limit: number;
  windowSeconds: number;
  strategy?: 'fixed' | 'sliding' | 'token_bucket';
  /** Token bucket capacity. */
  burst?: number;
}

export interface QuotaSetting {
  limit: number;
  period: 'day' | 'month';
}

/** Who is calling, as established by the authentication guard for one request. */
export interface Principal {
  method: 'jwt' | 'api_key' | 'session' | 'oauth';
  userId: string;
  role: UserRole;
  /** Effective scopes: the role's for a JWT or a session, the key's (bounded by its owner's role) for a key. */
  scopes: string[];
  keyId?: string;
  /** The OAuth application whose access token authenticated the request. */
  clientId?: string;
  /** The browser session whose cookie authenticated the request. */
  sessionId?: string;
  /** Where the credential is bound (a key's organisation or project); null for a user's own reach. */
  organizationId: string | null;
  projectId: string | null;
  /** When this credential stops working: the token's `exp` or the key's `expiresAt`. */
  expiresAt: Date | null;
  /** A key's own rate limit, overriding the default for keys. */
  rateLimit?: RateLimitSetting | null;
  quota?: QuotaSetting | null;
  /** A key's IP allowlist, compiled; absent or null: usable from anywhere. */
  allowsIp?: IpMatcher | null;
}
