import type { Clock } from '../../core/time/clock';
import type { OAuthTokenRevocations } from '../tokens/token-revocations';
import type { OAuthRecordsRepository } from './oauth-records.repository';

/** What oidc-provider stores: its own JSON (RFC-ish claims plus its bookkeeping). */
type Payload = Record<string, unknown>;

/** oidc-provider's adapter contract (lib/adapters/memory_adapter.js), for every model but `Client`. */
export interface OidcAdapter {
  upsert(id: string, payload: Payload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<Payload | undefined>;
  findByUid(uid: string): Promise<Payload | undefined>;
  findByUserCode(userCode: string): Promise<Payload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

export interface OidcAdapterDependencies {
  records: OAuthRecordsRepository;
  revocations: OAuthTokenRevocations;
  clock: Clock;
  /** The longest an access token lives: how long a withdrawn grant's id stays on the deny list. */
  accessTokenTtlSeconds: number;
  /** The `Client` model: read from oauth_applications rather than stored here. */
  findClient: (clientId: string) => Promise<Payload | undefined>;
}

/**
 * The models that belong to a grant and end with it (oidc-provider's own adapters index these
 * only). An Interaction also names the grant it may extend, but is not part of it: ending the grant
 * (a sign-out while switching accounts) must not delete the sign-in in progress.
 */
const GRANT_MODELS: ReadonlySet<string> = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'ClientCredentials',
  'BackchannelAuthenticationRequest',
]);

const asString = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/**
 * The adapter class oidc-provider instantiates per model (`new Adapter('AuthorizationCode')`),
 * over the `oauth_records` table so every instance shares codes, grants, sessions and
 * interactions. Ending a grant (refresh-token reuse, consent withdrawn, a revoked refresh token)
 * also denies `grant:<id>`: its access tokens are JWTs checked offline, never looked up here.
 */
export function oidcAdapterClass(deps: OidcAdapterDependencies): new (model: string) => OidcAdapter {
  const now = () => new Date(deps.clock.now());
  return class ArgusOidcAdapter implements OidcAdapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
      if (this.model === 'Client') return; // registration writes applications through the API, not here
      await deps.records.upsert({
        model: this.model,
        id,
        payload,
        grantId: GRANT_MODELS.has(this.model) ? asString(payload.grantId) : null,
        userCode: asString(payload.userCode),
        uid: asString(payload.uid),
        accountId: asString(payload.accountId),
        expiresAt: expiresIn ? new Date(deps.clock.now() + expiresIn * 1000) : null,
      });
    }

    async find(id: string): Promise<Payload | undefined> {
      if (typeof id !== 'string' || id === '' || id.length > 256) return undefined;
      if (this.model === 'Client') return deps.findClient(id);
      return this.found(await deps.records.findLive(this.model, { id }, now()));
    }

    async findByUid(uid: string): Promise<Payload | undefined> {
      return this.found(await deps.records.findLive(this.model, { uid }, now()));
    }

    async findByUserCode(userCode: string): Promise<Payload | undefined> {
      return this.found(await deps.records.findLive(this.model, { userCode }, now()));
    }

    async consume(id: string): Promise<void> {
      await deps.records.consume(this.model, id, now());
    }

    async destroy(id: string): Promise<void> {
      await deps.records.destroy(this.model, id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await deps.revocations.revoke(`grant:${grantId}`, new Date(deps.clock.now() + deps.accessTokenTtlSeconds * 1000));
      await deps.records.deleteByGrantId(grantId);
    }

    private found(row: { payload: Payload; consumedAt: Date | null } | null): Payload | undefined {
      if (!row) return undefined;
      return row.consumedAt ? { ...row.payload, consumed: Math.floor(row.consumedAt.getTime() / 1000) } : row.payload;
    }
  };
}
