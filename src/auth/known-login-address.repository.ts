import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, MoreThan, Repository } from 'typeorm';
import { KnownLoginAddressEntity } from './entities/known-login-address.entity';

/** The known_login_addresses table's queries: the addresses (as keyed hashes) an account last logged in from. */
@Injectable()
export class KnownLoginAddressRepository {
  constructor(@InjectRepository(KnownLoginAddressEntity) private readonly repository: Repository<KnownLoginAddressEntity>) {}

  /** Whether the account logged in from this address after `since`. */
  isKnown(userId: string, addressHash: string, since: Date): Promise<boolean> {
    return this.repository.existsBy({ userId, addressHash, lastLoginAt: MoreThan(since) });
  }

  async remember(userId: string, addressHash: string, at: Date): Promise<void> {
    await this.repository.upsert({ userId, addressHash, lastLoginAt: at }, ['userId', 'addressHash']);
  }

  /** Drops the account's addresses last used before `before`. */
  async forgetOlderThan(userId: string, before: Date): Promise<void> {
    await this.repository.delete({ userId, lastLoginAt: LessThan(before) });
  }
}
