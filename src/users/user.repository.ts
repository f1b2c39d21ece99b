import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, FindOptionsWhere, ILike, Repository } from 'typeorm';
import { containsPattern } from '../core/database/like-pattern';
import { UserEntity, UserRole } from './user.entity';

/** What authentication needs of a user on every request. */
export type UserAccessRow = Pick<UserEntity, 'id' | 'role' | 'isActive'> & { passwordChangedAt?: Date | null; mfaEnabled?: boolean };

export type NewUser = Pick<UserEntity, 'email' | 'name' | 'passwordHash' | 'role'>;

export interface UserFilter {
  role?: UserRole;
  isActive?: boolean;
  /** Part of the email or the name, any case. */
  search?: string;
}

/**
 * The users table's queries. Each method takes the caller's EntityManager to run inside its
 * transaction, and otherwise uses the connection's own. The password hash is read by
 * `getByEmailWithPassword` alone (the column is not selected by default).
 */
@Injectable()
export class UserRepository {
  constructor(@InjectRepository(UserEntity) private readonly repository: Repository<UserEntity>) {}

  getAccess(id: string, manager?: EntityManager): Promise<UserAccessRow | null> {
    return this.on(manager).findOne({
      where: { id },
      select: { id: true, role: true, isActive: true, passwordChangedAt: true, mfaEnabled: true },
    });
  }

  /** For a user known to exist (an authenticated caller): rejects otherwise. */
  getByIdOrFail(id: string): Promise<UserEntity> {
    return this.repository.findOneByOrFail({ id });
  }

  /** An active user, for adding to an organisation: a deactivated one is as good as absent. */
  getActive(id: string, manager?: EntityManager): Promise<UserEntity | null> {
    return this.on(manager).findOne({ where: { id, isActive: true } });
  }

  /** `email` as stored: lower-cased. */
  getByEmail(email: string): Promise<UserEntity | null> {
    return this.repository.findOneBy({ email });
  }

  getByEmailWithPassword(email: string): Promise<UserEntity | null> {
    return this.repository.createQueryBuilder('user').addSelect('user.passwordHash').where('user.email = :email', { email }).getOne();
  }

  /** The user with the password hash, for confirming the password of a signed-in caller. */
  getByIdWithPassword(id: string, manager?: EntityManager): Promise<UserEntity | null> {
    return this.on(manager).createQueryBuilder('user').addSelect('user.passwordHash').where('user.id = :id', { id }).getOne();
  }

  async setPassword(id: string, passwordHash: string, changedAt: Date, manager: EntityManager): Promise<void> {
    await manager.getRepository(UserEntity).update({ id }, { passwordHash, passwordChangedAt: changedAt });
  }

  /** Removes the account; what belongs to it (keys, sessions, tokens, memberships, webhooks) goes with it by cascade. */
  async delete(id: string, manager: EntityManager): Promise<void> {
    await manager.getRepository(UserEntity).delete({ id });
  }

  /** Rejects with a unique violation when the email is taken. */
  create(user: NewUser, manager?: EntityManager): Promise<UserEntity> {
    const users = this.on(manager);
    return users.save(users.create(user));
  }

  /** A page of users in sign-up order, for the admin list. */
  list(filter: UserFilter, skip: number, take: number): Promise<[UserEntity[], number]> {
    const where: FindOptionsWhere<UserEntity> = {};
    if (filter.role !== undefined) where.role = filter.role;
    if (filter.isActive !== undefined) where.isActive = filter.isActive;
    const pattern = filter.search === undefined ? undefined : ILike(containsPattern(filter.search));
    return this.repository.findAndCount({
      where: pattern
        ? [
            { ...where, email: pattern },
            { ...where, name: pattern },
          ]
        : where,
      order: { createdAt: 'ASC', id: 'ASC' },
      skip,
      take,
    });
  }

  /** The user, row-locked for the rest of the caller's transaction. */
  getForUpdate(id: string, manager: EntityManager): Promise<UserEntity | null> {
    return manager.getRepository(UserEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /**
   * How many active admins there are, counted after taking a lock every admin removal takes, so
   * two concurrent demotions cannot both see the other admin still there.
   */
  async countActiveAdminsExclusively(manager: EntityManager): Promise<number> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext('argus:admin-removal'))`);
    return manager.getRepository(UserEntity).countBy({ role: 'admin', isActive: true });
  }

  save(user: UserEntity, manager?: EntityManager): Promise<UserEntity> {
    return this.on(manager).save(user);
  }

  /** Turns the two-factor flag on or off, inside the caller's transaction. */
  async setMfaEnabled(id: string, enabled: boolean, manager: EntityManager): Promise<void> {
    await manager.getRepository(UserEntity).update({ id }, { mfaEnabled: enabled });
  }

  async setRole(id: string, role: UserRole): Promise<void> {
    await this.repository.update({ id }, { role });
  }

  private on(manager?: EntityManager): Repository<UserEntity> {
    return manager ? manager.getRepository(UserEntity) : this.repository;
  }
}
