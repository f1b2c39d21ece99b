import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AppException, conflict, unauthorized } from '../core/errors/app.exception';
import { ErrorCode } from '../core/errors/error-codes';
import { Clock } from '../core/time/clock';
import { AuthConfig, authConfig } from './auth.config';
import { UserRepository } from '../users/user.repository';
import { SessionsRepository } from './sessions/sessions.repository';
import { JwtSigner } from './signing/jwt-signer';
import { RefreshTokenRepository } from './refresh-token.repository';

export interface IssuedTokens {
  accessToken: string;
  expiresIn: number;
  expiresAt: Date;
  refreshToken: string;
  refreshExpiresAt: Date;
}

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * Access JWTs (short, stateless) and refresh tokens (opaque, stored hashed, single use, grouped
 * in families so that replaying a spent token revokes every token descended from that login).
 */
@Injectable()
export class TokenService {
  constructor(
    private readonly signer: JwtSigner,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly users: UserRepository,
    private readonly sessions: SessionsRepository,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
    private readonly clock: Clock,
  ) {}

  /** Starts a new family (a login), or continues one (a refresh), inside `manager`'s transaction. */
  async issue(userId: string, manager?: EntityManager, familyId: string = randomUUID()): Promise<IssuedTokens> {
    const now = this.clock.now();
    const { expiresInSeconds, issuer, audience } = this.config.jwt;
    const iat = Math.floor(now / 1000);
    // The claims and their order as jsonwebtoken wrote them; the signature is the active key's (JwtSigner).
    const accessToken = this.signer.sign({ sub: userId, jti: randomUUID(), iat, exp: iat + expiresInSeconds, aud: audience, iss: issuer });
    const refreshToken = randomBytes(32).toString('base64url');
    const refreshExpiresAt = new Date(now + this.config.refreshExpiresInSeconds * 1000);
    await this.refreshTokens.insert({ userId, familyId, tokenHash: hashToken(refreshToken), expiresAt: refreshExpiresAt }, manager);
    return {
      accessToken,
      expiresIn: expiresInSeconds,
      expiresAt: new Date(now + expiresInSeconds * 1000),
      refreshToken,
      refreshExpiresAt,
    };
  }

  /**
   * Spends a refresh token and issues its successor. Of concurrent refreshes with one token
   * exactly one spends it (RefreshTokenRepository.spend), so one token never yields two pairs.
   * A token spent less than REFRESH_REUSE_WINDOW_SECONDS ago is a client retrying in parallel:
   * 409, and the winner's pair lives on. Spent longer ago, it is a replay, and revokes its whole
   * family.
   */
  async rotate(refreshToken: string): Promise<IssuedTokens & { userId: string }> {
    const tokenHash = hashToken(refreshToken);
    const outcome = await this.dataSource.transaction(async (manager) => {
      const now = this.clock.date();
      const spent = await this.refreshTokens.spend(tokenHash, now, manager);
      if (spent) {
        const { userId, familyId } = spent;
        // Read through this transaction's connection: the embedded database serves one transaction at a time.
        const user = await this.users.getAccess(userId, manager);
        if (!user?.isActive) return { error: unauthorized(ErrorCode.Unauthorized, 'This account is deactivated') };
        return { tokens: { ...(await this.issue(userId, manager, familyId)), userId } };
      }
      return { error: await this.explainRejection(manager, tokenHash, now) };
    });
    if ('error' in outcome) throw outcome.error as AppException;
    return outcome.tokens;
  }

  /** Revokes the family of `refreshToken`; false when the token is unknown. */
  async revokeFamily(refreshToken: string): Promise<boolean> {
    const token = await this.refreshTokens.getByHash(hashToken(refreshToken));
    if (!token) return false;
    await this.refreshTokens.revokeFamily(token.familyId, this.clock.date());
    return true;
  }

  /** Every session of a user ends (deactivation, sign out everywhere): refresh tokens and browser sessions. */
  async revokeAllForUser(userId: string, manager?: EntityManager): Promise<void> {
    await this.refreshTokens.revokeAllForUser(userId, this.clock.date(), manager);
    await this.sessions.revokeAllForUser(userId, this.clock.date(), manager);
  }

  /** Every refresh token of a user, and no browser session (a password change keeps the current one). */
  async revokeRefreshTokens(userId: string, manager: EntityManager): Promise<void> {
    await this.refreshTokens.revokeAllForUser(userId, this.clock.date(), manager);
  }

  private async explainRejection(manager: EntityManager, tokenHash: string, now: Date) {
    const token = await this.refreshTokens.getByHash(tokenHash, manager);
    if (!token || token.revokedAt) return unauthorized(ErrorCode.InvalidToken, 'Invalid refresh token');
    if (token.usedAt) {
      const windowMs = this.config.refreshReuseWindowSeconds * 1000;
      // Read now, not at the start: a loser waited for the winner's commit to get here.
      if (windowMs > 0 && this.clock.now() - token.usedAt.getTime() < windowMs) {
        return conflict('Refresh token was just used by another request; use the pair that request received');
      }
      // A replay of a spent token: someone else may hold the family. End all of it.
      await this.refreshTokens.revokeFamily(token.familyId, now, manager);
      return unauthorized(ErrorCode.InvalidToken, 'Refresh token was already used; this session has been revoked');
    }
    return unauthorized(ErrorCode.TokenExpired, 'Refresh token has expired');
  }
}
