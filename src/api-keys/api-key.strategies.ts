import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import { API_KEY_BEARER_STRATEGY, API_KEY_HEADER_STRATEGY, KEY_PREFIX } from '../access/credentials';
import { ApiKeyVerifier } from './api-key-verifier.service';
import { LastUsedTracker } from './last-used.tracker';
import { unauthorized } from '../core/errors/app.exception';
import { ErrorCode } from '../core/errors/error-codes';
import { Clock } from '../core/time/clock';
import { Principal } from '../access/principal';
import { KeyScopesService } from '../organizations/key-scopes.service';
import { UserAccessService } from '../users/user-access.service';

export { API_KEY_BEARER_STRATEGY, API_KEY_HEADER_STRATEGY };

/** Verifies a presented key and its owner; shared by both header strategies. */
@Injectable()
export class ApiKeyAuthenticator {
  constructor(
    private readonly verifier: ApiKeyVerifier,
    private readonly userAccess: UserAccessService,
    private readonly lastUsed: LastUsedTracker,
    private readonly clock: Clock,
    private readonly scopes: KeyScopesService,
  ) {}

  async authenticate(presented: string): Promise<Principal> {
    const key = await this.verifier.verify(presented);
    const owner = await this.userAccess.get(key.userId);
    if (!owner?.isActive) throw unauthorized(ErrorCode.ApiKeyInactive, 'API key owner is deactivated');
    this.lastUsed.record(key.id, this.clock.now());
    const scopes = this.scopes.effective(key, owner.role);
    return {
      method: 'api_key',
      userId: key.userId,
      role: owner.role,
      keyId: key.id,
      scopes: Array.isArray(scopes) ? scopes : await scopes,
      organizationId: key.organizationId,
      projectId: key.projectId,
      expiresAt: key.expiresAt === null ? null : new Date(key.expiresAt),
      rateLimit: key.rateLimit,
      quota: key.quota,
      allowsIp: key.allowsIp,
    };
  }
}

/** `X-API-Key: argus_…`. Any value in this header must be a valid key. */
@Injectable()
export class ApiKeyHeaderStrategy extends PassportStrategy(HeaderAPIKeyStrategy, API_KEY_HEADER_STRATEGY) {
  constructor(private readonly authenticator: ApiKeyAuthenticator) {
    super({ header: 'X-API-Key', prefix: '' }, false);
  }

  validate(apiKey: string): Promise<Principal> {
    return this.authenticator.authenticate(apiKey);
  }
}

/**
 * `Authorization: Bearer argus_…`. A bearer value that is not an Argus key is left for the JWT
 * strategy (returning null fails softly so Passport tries the next strategy).
 */
@Injectable()
export class ApiKeyBearerStrategy extends PassportStrategy(HeaderAPIKeyStrategy, API_KEY_BEARER_STRATEGY) {
  constructor(private readonly authenticator: ApiKeyAuthenticator) {
    super({ header: 'Authorization', prefix: 'Bearer ' }, false);
  }

  async validate(token: string): Promise<Principal | null> {
    return token.startsWith(KEY_PREFIX) ? this.authenticator.authenticate(token) : null;
  }
}
