import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { MfaChallengeEntity, MfaRecoveryCodeEntity, MfaTotpEntity } from './mfa.entities';

/** A TOTP row read with its sealed secret (the column is not selected by default). */
export type TotpWithSecret = MfaTotpEntity;

/**
 * The queries of the two-factor tables: `mfa_totp`, `mfa_recovery_codes` and `mfa_challenges`.
 * The one-time rules (a TOTP step, a recovery code, a challenge's attempts) are single conditional
 * UPDATEs, so two requests racing with the same code or token cannot both succeed.
 */
@Injectable()
export class MfaRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  getTotp(userId: string, manager: EntityManager = this.dataSource.manager): Promise<TotpWithSecret | null> {
    return manager
      .getRepository(MfaTotpEntity)
      .createQueryBuilder('totp')
      .addSelect('totp.secret')
      .where('totp.userId = :userId', { userId })
      .getOne();
  }

  /** Starts (or restarts) an enrolment: a new unconfirmed secret replaces an unconfirmed one. */
  async savePending(userId: string, sealedSecret: string, now: Date): Promise<void> {
    await this.dataSource
      .getRepository(MfaTotpEntity)
      .upsert({ userId, secret: sealedSecret, createdAt: now, confirmedAt: null, lastUsedStep: null }, ['userId']);
  }

  /** Confirms a pending secret with the step of its first code; false when it was confirmed already. */
  async confirm(manager: EntityManager, userId: string, step: number, now: Date): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(MfaTotpEntity)
      .set({ confirmedAt: now, lastUsedStep: String(step) })
      .where('user_id = :userId AND confirmed_at IS NULL', { userId })
      .execute();
    return result.affected === 1;
  }

  /** Spends a TOTP step: false when this step (or a later one) was used already, which refuses a replayed code. */
  async useStep(userId: string, step: number): Promise<boolean> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(MfaTotpEntity)
      .set({ lastUsedStep: String(step) })
      .where('user_id = :userId AND confirmed_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < :step)', { userId, step })
      .execute();
    return result.affected === 1;
  }

  /** Replaces every recovery code of the user with these hashes. */
  async replaceRecoveryCodes(manager: EntityManager, userId: string, hashes: string[]): Promise<void> {
    await manager.delete(MfaRecoveryCodeEntity, { userId });
    await manager.insert(
      MfaRecoveryCodeEntity,
      hashes.map((codeHash) => ({ userId, codeHash, usedAt: null })),
    );
  }

  /** Spends an unused recovery code; false when there is none with this hash. */
  async useRecoveryCode(manager: EntityManager, userId: string, codeHash: string, now: Date): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(MfaRecoveryCodeEntity)
      .set({ usedAt: now })
      .where('user_id = :userId AND code_hash = :codeHash AND used_at IS NULL', { userId, codeHash })
      .execute();
    return result.affected === 1;
  }

  countUnusedRecoveryCodes(userId: string): Promise<number> {
    return this.dataSource.getRepository(MfaRecoveryCodeEntity).countBy({ userId, usedAt: IsNull() });
  }

  /** Forgets the user's secret, recovery codes and open challenges (turning two-factor off). */
  async removeAll(manager: EntityManager, userId: string): Promise<boolean> {
    const removed = await manager.delete(MfaTotpEntity, { userId });
    await manager.delete(MfaRecoveryCodeEntity, { userId });
    await manager.delete(MfaChallengeEntity, { userId });
    return (removed.affected ?? 0) > 0;
  }

  async createChallenge(userId: string, tokenHash: string, expiresAt: Date, now: Date): Promise<void> {
    const challenges = this.dataSource.getRepository(MfaChallengeEntity);
    // The user's spent and expired challenges go first: the table holds open ones and few others.
    await challenges
      .createQueryBuilder()
      .delete()
      .where('user_id = :userId AND (consumed_at IS NOT NULL OR expires_at <= :now)', { userId, now })
      .execute();
    await challenges.insert({ userId, tokenHash, expiresAt, attempts: 0, consumedAt: null });
  }

  /**
   * Spends one attempt of an open challenge (unexpired, unconsumed, attempts left); the challenge
   * after the attempt, or null when it cannot be used.
   */
  async attemptChallenge(tokenHash: string, now: Date, maxAttempts: number): Promise<MfaChallengeEntity | null> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(MfaChallengeEntity)
      .set({ attempts: () => 'attempts + 1' })
      .where('token_hash = :tokenHash AND consumed_at IS NULL AND expires_at > :now AND attempts < :maxAttempts', {
        tokenHash,
        now,
        maxAttempts,
      })
      .returning('id, user_id, attempts, expires_at')
      .execute();
    const row = (result.raw as Array<{ id: string; user_id: string; attempts: number; expires_at: Date }>)[0];
    if (!row) return null;
    return Object.assign(new MfaChallengeEntity(), {
      id: row.id,
      userId: row.user_id,
      tokenHash,
      attempts: Number(row.attempts),
      expiresAt: new Date(row.expires_at),
      consumedAt: null,
    });
  }

  /** Uses a challenge up (the code was right, or its last attempt was spent); false when another request already did. */
  async consumeChallenge(id: string, now: Date): Promise<boolean> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(MfaChallengeEntity)
      .set({ consumedAt: now })
      .where('id = :id AND consumed_at IS NULL', { id })
      .execute();
    return result.affected === 1;
  }
}
