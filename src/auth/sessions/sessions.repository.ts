import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, EntityManager, IsNull, Repository } from 'typeorm';
import { SessionEntity } from './session.entity';

/** When a session counts as live: not revoked, before its expiry, and used within the idle timeout. */
export interface LiveAt {
  now: Date;
  /** now − SESSION_IDLE_TIMEOUT: a session last seen before this has gone idle. */
  idleCutoff: Date;
}

export type NewSession = Pick<SessionEntity, 'userId' | 'tokenHash' | 'createdAt' | 'lastSeenAt' | 'expiresAt' | 'ip' | 'userAgent'>;

/** The one place the `sessions` table is queried: thin, named, each bounded by its owner where it has one. */
@Injectable()
export class SessionsRepository {
  constructor(@InjectRepository(SessionEntity) private readonly sessions: Repository<SessionEntity>) {}

  async create(manager: EntityManager, session: NewSession): Promise<SessionEntity> {
    const sessions = manager.getRepository(SessionEntity);
    return sessions.save(sessions.create({ ...session, revokedAt: null }));
  }

  /** By the hash of its token, live or not (the caller tells expired from revoked). */
  getByTokenHash(tokenHash: string): Promise<SessionEntity | null> {
    return this.sessions.findOneBy({ tokenHash });
  }

  /** Records use, unless another request already did since `before`: one write a minute, not one a request. */
  async touch(id: string, now: Date, before: Date): Promise<void> {
    await this.sessions
      .createQueryBuilder()
      .update()
      .set({ lastSeenAt: now })
      .where('id = :id AND last_seen_at < :before', { id, before })
      .execute();
  }

  async listLive(userId: string, live: LiveAt, skip: number, take: number): Promise<[SessionEntity[], number]> {
    return this.liveOf(userId, live)
      .orderBy('session.lastSeenAt', 'DESC')
      .addOrderBy('session.id', 'ASC')
      .skip(skip)
      .take(take)
      .getManyAndCount();
  }

  /** Revokes one live session of `userId`; false when it has none with that id. */
  async revokeLive(manager: EntityManager, userId: string, id: string, live: LiveAt): Promise<boolean> {
    return (await this.revokeWhere(manager, userId, live, id)).length === 1;
  }

  /** Revokes every session of `userId` that is live; the ids revoked. */
  revokeAllLive(manager: EntityManager, userId: string, live: LiveAt): Promise<string[]> {
    return this.revokeWhere(manager, userId, live);
  }

  /** Revokes every live session of `userId` but `keepId` (a password change keeps the caller's own); the ids revoked. */
  revokeOthersLive(manager: EntityManager, userId: string, keepId: string | undefined, live: LiveAt): Promise<string[]> {
    return this.revokeWhere(manager, userId, live, undefined, keepId);
  }

  /** Forgets the user's sessions that can never be used again, so the table holds live ones and few others. */
  async deleteDead(manager: EntityManager, userId: string, live: LiveAt): Promise<void> {
    await manager
      .createQueryBuilder()
      .delete()
      .from(SessionEntity)
      .where('user_id = :userId', { userId })
      .andWhere(
        new Brackets((dead) =>
          dead
            .where('revoked_at IS NOT NULL')
            .orWhere('expires_at <= :now', { now: live.now })
            .orWhere('last_seen_at <= :idleCutoff', { idleCutoff: live.idleCutoff }),
        ),
      )
      .execute();
  }

  /** Ends every session of a user still open (deactivation, sign out everywhere). */
  async revokeAllForUser(userId: string, now: Date, manager: EntityManager = this.sessions.manager): Promise<void> {
    await manager.update(SessionEntity, { userId, revokedAt: IsNull() }, { revokedAt: now });
  }

  private liveOf(userId: string, live: LiveAt) {
    return this.sessions
      .createQueryBuilder('session')
      .where('session.userId = :userId', { userId })
      .andWhere('session.revokedAt IS NULL')
      .andWhere('session.expiresAt > :now', { now: live.now })
      .andWhere('session.lastSeenAt > :idleCutoff', { idleCutoff: live.idleCutoff });
  }

  private async revokeWhere(manager: EntityManager, userId: string, live: LiveAt, id?: string, exceptId?: string): Promise<string[]> {
    const query = manager
      .createQueryBuilder()
      .update(SessionEntity)
      .set({ revokedAt: live.now })
      .where('user_id = :userId AND revoked_at IS NULL AND expires_at > :now AND last_seen_at > :idleCutoff', {
        userId,
        now: live.now,
        idleCutoff: live.idleCutoff,
      });
    if (id) query.andWhere('id = :id', { id });
    if (exceptId) query.andWhere('id <> :exceptId', { exceptId });
    const result = await query.returning(['id']).execute();
    return (result.raw as Array<{ id: string }>).map((row) => row.id);
  }
}
