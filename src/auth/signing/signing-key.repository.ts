import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Repository } from 'typeorm';
import { SigningKeyEntity } from './signing-key.entity';

export type NewSigningKey = Pick<SigningKeyEntity, 'kid' | 'alg' | 'publicJwk' | 'privateKey' | 'createdAt' | 'activatedAt'>;

/** The one place the `signing_keys` table is queried. */
@Injectable()
export class SigningKeyRepository {
  constructor(@InjectRepository(SigningKeyEntity) private readonly keys: Repository<SigningKeyEntity>) {}

  /** Runs `work` in one transaction holding the signing-key lock: creations and rotations, on every instance, one at a time. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.keys.manager.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('argus:signing-keys'))`);
      return work(manager);
    });
  }

  /** Every key that still verifies at `now` (unexpired), the signing ones first, then newest first. */
  listUsable(now: Date): Promise<SigningKeyEntity[]> {
    return this.keys
      .createQueryBuilder('key')
      .where('key.expiresAt IS NULL OR key.expiresAt > :now', { now })
      .orderBy('key.retiredAt', 'DESC', 'NULLS FIRST')
      .addOrderBy('key.activatedAt', 'DESC')
      .getMany();
  }

  /** Every key ever made, newest first, for the admin list (callers map them to their public parts). */
  listAll(): Promise<SigningKeyEntity[]> {
    return this.keys.find({ order: { createdAt: 'DESC' } });
  }

  /** The unretired keys, locked by the caller's transaction. */
  listActive(manager: EntityManager): Promise<SigningKeyEntity[]> {
    return manager.getRepository(SigningKeyEntity).find({ where: { retiredAt: IsNull() } });
  }

  async retire(manager: EntityManager, kid: string, retiredAt: Date, expiresAt: Date): Promise<void> {
    await manager.update(SigningKeyEntity, { kid, retiredAt: IsNull() }, { retiredAt, expiresAt });
  }

  async insert(manager: EntityManager, key: NewSigningKey): Promise<SigningKeyEntity> {
    const keys = manager.getRepository(SigningKeyEntity);
    return keys.save(keys.create({ ...key, retiredAt: null, expiresAt: null }));
  }

  /** Forgets keys that stopped verifying before `before`: they are history nothing can use. */
  async deleteExpiredBefore(before: Date): Promise<number> {
    const result = await this.keys
      .createQueryBuilder()
      .delete()
      .where('expires_at IS NOT NULL AND expires_at < :before', { before })
      .execute();
    return result.affected ?? 0;
  }
}
