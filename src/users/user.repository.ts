import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { UserEntity, UserRole } from './user.entity';

/** What authentication needs of a user on every request. */
export type UserAccessRow = Pick<UserEntity, 'id' | 'role' | 'isActive'>;

export type NewUser = Pick<UserEntity, 'email' | 'name' | 'passwordHash' | 'role'>;

/**
 * The users table's queries. Each method takes the caller's EntityManager to run inside its
 * transaction, and otherwise uses the connection's own. The password hash is read by
 * `getByEmailWithPassword` alone (the column is not selected by default).
 */
@Injectable()
export class UserRepository {
  constructor(@InjectRepository(UserEntity) private readonly repository: Repository<UserEntity>) {}

  getAccess(id: string, manager?: EntityManager): Promise<UserAccessRow | null> {
    return this.on(manager).findOne({ where: { id }, select: { id: true, role: true, isActive: true } });
  }

  /** For a user known to exist (users are never deleted): rejects otherwise. */
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

  /** Rejects with a unique violation when the email is taken. */
  create(user: NewUser, manager?: EntityManager): Promise<UserEntity> {
    const users = this.on(manager);
    return users.save(users.create(user));
  }

  async setRole(id: string, role: UserRole): Promise<void> {
    await this.repository.update({ id }, { role });
  }

  private on(manager?: EntityManager): Repository<UserEntity> {
    return manager ? manager.getRepository(UserEntity) : this.repository;
  }
}
