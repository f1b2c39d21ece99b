import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { AppException, conflict, unauthorized } from '../core/errors/app.exception';
import { ErrorCode } from '../core/errors/error-codes';
import { Clock } from '../core/time/clock';
import { AuthConfig, authConfig } from './auth.config';
import { RefreshTokenEntity } from './entities/refresh-token.entity';
import { UserEntity } from '../users/user.entity';
import { JWT_ALGORITHM, jwtSigningKey } from './jwt.strategy';

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
    private readonly jwt: JwtService,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
    private readonly clock: Clock,
  ) {}

  /** Starts a new family (a login), or continues one (a refresh), inside `manager`'s transaction. */
  async issue(userId: string, manager: EntityManager = this.dataSource.manager, familyId: string = randomUUID()): Promise<IssuedTokens> {
    const now = this.clock.now();
    const { expiresInSeconds, secret, issuer, audience } = this.config.jwt;
    const accessToken = await this.jwt.signAsync(
      { sub: userId, jti: randomUUID(), iat: Math.floor(now / 1000) },
      { privateKey: jwtSigningKey(secret), algorithm: JWT_ALGORITHM, expiresIn: expiresInSeconds, issuer, audience },
    );
    const refreshToken = randomBytes(32).toString('base64url');
    const refreshExpiresAt = new Date(now + this.config.refreshExpiresInSeconds * 1000);
    await manager.insert(RefreshTokenEntity, {
      userId,
      familyId,
      tokenHash: hashToken(refreshToken),
      expiresAt: refreshExpiresAt,
    });
    return {
      accessToken,
      expiresIn: expiresInSeconds,
      expiresAt: new Date(now + expiresInSeconds * 1000),
      refreshToken,
      refreshExpiresAt,
    };
  }

  /**
   * Spends a refresh token and issues its successor. The spend is one conditional UPDATE, so of
   * concurrent refreshes with one token exactly one wins (the others wait on its row lock, then
   * find it spent) and one token never yields two pairs. A token spent less than
   * REFRESH_REUSE_WINDOW_SECONDS ago is a client retrying in parallel: 409, and the winner's pair
   * lives on. Spent longer ago, it is a replay, and revokes its whole family.
   */
  async rotate(refreshToken: string): Promise<IssuedTokens & { userId: string }> {
    const tokenHash = hashToken(refreshToken);
    const outcome = await this.dataSource.transaction(async (manager) => {
      const now = this.clock.date();
      // A CTE so the driver hands back plain rows whatever the statement's command tag.
      const spent: Array<{ userId: string; familyId: string }> = await manager.query(
        `WITH spent AS (
           UPDATE "refresh_tokens" SET "used_at" = $2
            WHERE "token_hash" = $1 AND "used_at" IS NULL AND "revoked_at" IS NULL AND "expires_at" > $2
           RETURNING "user_id", "family_id")
         SELECT "user_id" AS "userId", "family_id" AS "familyId" FROM spent`,
        [tokenHash, now],
      );
      if (spent.length === 1) {
        const { userId, familyId } = spent[0];
        // Read through this transaction's connection: the embedded database serves one transaction at a time.
        const user = await manager.findOne(UserEntity, { where: { id: userId }, select: { id: true, isActive: true } });
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
    const token = await this.dataSource.manager.findOne(RefreshTokenEntity, { where: { tokenHash: hashToken(refreshToken) } });
    if (!token) return false;
    await this.dataSource.manager.update(
      RefreshTokenEntity,
      { familyId: token.familyId, revokedAt: IsNull() },
      { revokedAt: this.clock.date() },
    );
    return true;
  }

  /** Every session of a user ends (deactivation). */
  async revokeAllForUser(userId: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.update(RefreshTokenEntity, { userId, revokedAt: IsNull() }, { revokedAt: this.clock.date() });
  }

  private async explainRejection(manager: EntityManager, tokenHash: string, now: Date) {
    const token = await manager.findOne(RefreshTokenEntity, { where: { tokenHash } });
    if (!token || token.revokedAt) return unauthorized(ErrorCode.InvalidToken, 'Invalid refresh token');
    if (token.usedAt) {
      const windowMs = this.config.refreshReuseWindowSeconds * 1000;
      // Read now, not at the start: a loser waited for the winner's commit to get here.
      if (windowMs > 0 && this.clock.now() - token.usedAt.getTime() < windowMs) {
        return conflict('Refresh token was just used by another request; use the pair that request received');
      }
      // A replay of a spent token: someone else may hold the family. End all of it.
      await manager.update(RefreshTokenEntity, { familyId: token.familyId, revokedAt: IsNull() }, { revokedAt: now });
      return unauthorized(ErrorCode.InvalidToken, 'Refresh token was already used; this session has been revoked');
    }
    return unauthorized(ErrorCode.TokenExpired, 'Refresh token has expired');
  }
}
