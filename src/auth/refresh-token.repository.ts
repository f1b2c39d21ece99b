import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Repository } from 'typeorm';
import { RefreshTokenEntity } from './entities/refresh-token.entity';

export type NewRefreshToken = Pick<RefreshTokenEntity, 'userId' | 'familyId' | 'tokenHash' | 'expiresAt'>;

/** Whose token was spent, and the family its successor joins. */
export interface SpentRefreshToken {
  userId: string;
  familyId: string;
}

/**
 * The refresh_tokens table's queries, by token hash (tokens are stored only as their SHA-256).
 * Each method takes the caller's EntityManager to run inside its transaction.
 */
@Injectable()
export class RefreshTokenRepository {
  constructor(@InjectRepository(RefreshTokenEntity) private readonly repository: Repository<RefreshTokenEntity>) {}

  async insert(token: NewRefreshToken, manager?: EntityManager): Promise<void> {
    await this.on(manager).insert(token);
  }

  /**
   * Marks the token used at `now` if it is still live (unused, unrevoked, unexpired), in one
   * conditional UPDATE: of concurrent spends of one token exactly one gets the row back, the
   * others wait on its lock and then find it spent. null when this call did not spend it.
   */
  async spend(tokenHash: string, now: Date, manager?: EntityManager): Promise<SpentRefreshToken | null> {
    // A CTE so the driver hands back plain rows whatever the statement's command tag.
    const spent: SpentRefreshToken[] = await this.on(manager).query(
      `WITH spent AS (
         UPDATE "refresh_tokens" SET "used_at" = $2
          WHERE "token_hash" = $1 AND "used_at" IS NULL AND "revoked_at" IS NULL AND "expires_at" > $2
         RETURNING "user_id", "family_id")
       SELECT "user_id" AS "userId", "family_id" AS "familyId" FROM spent`,
      [tokenHash, now],
    );
    return spent.length === 1 ? spent[0] : null;
  }

  getByHash(tokenHash: string, manager?: EntityManager): Promise<RefreshTokenEntity | null> {
    return this.on(manager).findOne({ where: { tokenHash } });
  }

  /** Revokes every live token of the family. */
  async revokeFamily(familyId: string, now: Date, manager?: EntityManager): Promise<void> {
    await this.on(manager).update({ familyId, revokedAt: IsNull() }, { revokedAt: now });
  }

  async revokeAllForUser(userId: string, now: Date, manager?: EntityManager): Promise<void> {
    await this.on(manager).update({ userId, revokedAt: IsNull() }, { revokedAt: now });
  }

  private on(manager?: EntityManager): Repository<RefreshTokenEntity> {
    return manager ? manager.getRepository(RefreshTokenEntity) : this.repository;
  }
}
