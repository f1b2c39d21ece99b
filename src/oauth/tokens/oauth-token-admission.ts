import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ORGANIZATION_ROLE_SCOPES } from '../../access/organization-roles';
import { Principal } from '../../access/principal';
import { effectiveKeyScopes, intersectScopes, isKnownScope, missingScopes } from '../../access/scopes';
import { JwtVerifier } from '../../auth/signing/jwt-verifier';
import { AppException, unauthorized } from '../../core/errors/app.exception';
import { ErrorCode } from '../../core/errors/error-codes';
import { clientCertificateThumbprint } from '../../core/net/client-certificate';
import { MembershipAccessService } from '../../organizations/membership-access.service';
import { RateLimitService, RateLimitVerdict } from '../../rate-limit/rate-limit.service';
import { UserAccessService } from '../../users/user-access.service';
import { OAuthConfig, oauthConfig } from '../oauth.config';
import { OAuthApplicationAccess } from './application-access';
import { OAuthTokenRevocations } from './token-revocations';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const invalid = (message = 'Invalid access token'): AppException => unauthorized(ErrorCode.InvalidToken, message);

/** A 401 invalid_token that also says, for the verify API, why the token is refused. */
class TokenRefused extends AppException {
  constructor(
    readonly verdict: 'REVOKED' | 'INACTIVE',
    message: string,
  ) {
    super(HttpStatus.UNAUTHORIZED, ErrorCode.InvalidToken, message);
  }
}

/** The RFC 9068 claims Argus reads (OAUTH.md, "The access token"). */
interface AccessTokenClaims {
  sub: string;
  client_id: string;
  jti: string;
  exp: number;
  scope?: string;
  gid?: string;
  cnf?: { 'x5t#S256'?: string };
}

/** What the verify API asks of a token beside the token itself. */
export interface TokenAdmissionRequest {
  scopes?: string[];
  cost?: number;
  /** false: judge the token without spending its client's limit (introspection, where the asking client was charged already). */
  limit?: boolean;
  /** Whether the asking caller may learn anything of this token's principal (else NOT_FOUND). */
  mayInspect: (principal: Principal) => boolean;
}

/** NOT_FOUND: not a token Argus issued and still verifies (signature, issuer, audience), or not the caller's to inspect. */
export type TokenAdmissionCode = 'VALID' | 'NOT_FOUND' | 'EXPIRED' | 'REVOKED' | 'INACTIVE' | 'INSUFFICIENT_SCOPE' | 'RATE_LIMITED';

export interface TokenAdmission {
  code: TokenAdmissionCode;
  /** Null unless the token names a current principal the caller may inspect. */
  principal: Principal | null;
  ratelimit: RateLimitVerdict | null;
}

/**
 * The one decision on a presented OAuth access token, for the guard chain (`authenticate`, via the
 * `oauth` Passport strategy) and the verify API (`admit`): the signature and claims (JwtVerifier,
 * cached per token), the deny list (`jti`, `grant:<gid>`), the application (revoked: refused), its
 * user (or its owner for a machine token) read on every request, the organisation an application
 * is bound to, the certificate a bound token needs; then the effective scopes:
 * token ∩ application ∩ the user's role (and the owner's role in the organisation).
 */
@Injectable()
export class OAuthTokenAdmission {
  constructor(
    private readonly verifier: JwtVerifier,
    private readonly revocations: OAuthTokenRevocations,
    private readonly applications: OAuthApplicationAccess,
    private readonly userAccess: UserAccessService,
    private readonly memberships: MembershipAccessService,
    private readonly limits: RateLimitService,
    @Inject(oauthConfig.KEY) private readonly config: OAuthConfig,
  ) {
    // A revoked token must not be answered from the verified-token cache either.
    revocations.onRevoked((id) =>
      verifier.oauthCache.evictWhere((payload) => payload.jti === id || (typeof payload.gid === 'string' && `grant:${payload.gid}` === id)),
    );
  }

  /** The caller a presented token makes, or the 401 that says why it makes none. */
  async authenticate(token: string, request?: FastifyRequest): Promise<Principal> {
    const claims = this.claimsOf(await this.verifier.verifyOAuthAccessToken(token, this.config.publicUrl));
    const principal = await this.principalOf(claims);
    const bound = claims.cnf?.['x5t#S256'];
    if (bound !== undefined && (!request || clientCertificateThumbprint(request) !== bound)) {
      throw invalid('This access token is bound to a client certificate the request did not present');
    }
    return principal;
  }

  /**
   * The verify API's answer on a presented token: never throws for the token's sake. A token bound
   * to a certificate is judged on its other claims: the certificate belongs to the request the
   * asking service received, which it checks itself.
   */
  async admit(token: string, request: TokenAdmissionRequest): Promise<TokenAdmission> {
    let principal: Principal;
    try {
      principal = await this.principalOf(this.claimsOf(await this.verifier.verifyOAuthAccessToken(token, this.config.publicUrl)));
    } catch (error) {
      if (!(error instanceof AppException) || error.getStatus() !== 401) throw error;
      const code = error instanceof TokenRefused ? error.verdict : error.code === ErrorCode.TokenExpired ? 'EXPIRED' : 'NOT_FOUND';
      return { code, principal: null, ratelimit: null };
    }
    if (!request.mayInspect(principal)) return { code: 'NOT_FOUND', principal: null, ratelimit: null };
    if (request.scopes && missingScopes(principal.scopes, request.scopes).length > 0) {
      return { code: 'INSUFFICIENT_SCOPE', principal, ratelimit: null };
    }
    if (!this.limits.enabled || request.limit === false) return { code: 'VALID', principal, ratelimit: null };
    const ratelimit = await this.limits.chargeOAuthClient(principal.clientId as string, request.cost ?? 1);
    return { code: ratelimit.allowed ? 'VALID' : 'RATE_LIMITED', principal, ratelimit };
  }

  private claimsOf(payload: Record<string, unknown>): AccessTokenClaims {
    const { sub, client_id: clientId, jti, exp, scope, gid, cnf } = payload;
    if (typeof sub !== 'string' || typeof clientId !== 'string' || typeof jti !== 'string' || typeof exp !== 'number') throw invalid();
    if ((scope !== undefined && typeof scope !== 'string') || (gid !== undefined && typeof gid !== 'string')) throw invalid();
    if (cnf !== undefined && (typeof cnf !== 'object' || cnf === null)) throw invalid();
    return payload as unknown as AccessTokenClaims;
  }

  private async principalOf(claims: AccessTokenClaims): Promise<Principal> {
    if (this.revocations.isRevoked(claims.jti) || (claims.gid && this.revocations.isRevoked(`grant:${claims.gid}`))) {
      throw new TokenRefused('REVOKED', 'This access token has been revoked');
    }
    const application = await this.applications.get(claims.client_id);
    if (!application) throw invalid();
    if (application.revokedAt) throw new TokenRefused('REVOKED', 'The application of this access token has been revoked');
    const machine = claims.sub === claims.client_id;
    if (!machine && !UUID.test(claims.sub)) throw invalid();
    const userId = machine ? application.ownerId : claims.sub;
    const [user, owner] = await Promise.all([
      this.userAccess.get(userId),
      userId === application.ownerId ? null : this.userAccess.get(application.ownerId),
    ]);
    if (!user?.isActive) throw new TokenRefused('INACTIVE', 'The account of this access token is deactivated');
    if (userId !== application.ownerId && !owner?.isActive)
      throw new TokenRefused('INACTIVE', 'The owner of this application is deactivated');

    const requested = (claims.scope ?? '').split(' ').filter((scope) => scope !== '' && isKnownScope(scope));
    let scopes = effectiveKeyScopes(intersectScopes(requested, application.scopes), user.role);
    if (application.organizationId) {
      // Like an organisation-bound key: its owner must still run the organisation, and it acts only within it.
      const ownerRole = (owner ?? user).role;
      const role = await this.memberships.roleOf(application.organizationId, application.ownerId, ownerRole);
      if (role !== 'owner' && role !== 'admin')
        throw new TokenRefused('REVOKED', 'The owner of this application no longer administers its organisation');
      // A user acting through it is bounded by their own role there (none: no scopes), as a key by its owner's.
      const actor = machine ? role : await this.memberships.roleOf(application.organizationId, userId, user.role);
      scopes = actor ? effectiveKeyScopes(scopes, user.role, ORGANIZATION_ROLE_SCOPES[actor]) : [];
    }
    return {
      method: 'oauth',
      clientId: application.clientId,
      userId,
      role: user.role,
      scopes,
      organizationId: application.organizationId,
      projectId: null,
      expiresAt: new Date(claims.exp * 1000),
    };
  }
}
