import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { AuditAction, AuditEventEntity } from './audit-event.entity';

export type NewAuditEvent = Omit<AuditEventEntity, 'id' | 'occurredAt'>;

/** Which events to read, newest first; every given condition applies. */
export interface AuditQuery {
  actorId?: string;
  targetId?: string;
  action?: AuditAction;
  from?: Date;
  to?: Date;
  skip: number;
  take: number;
}

/**
 * The audit_events table's queries. The trail is append-only (but for `eraseSubject`): the database refuses UPDATE and
 * DELETE, so there is nothing here but appending and reading.
 */
@Injectable()
export class AuditEventRepository {
  constructor(@InjectRepository(AuditEventEntity) private readonly repository: Repository<AuditEventEntity>) {}

  /**
   * Appends one event through `manager`, the transaction of the change it records, so the two
   * commit or roll back together. Static: an append has no connection of its own to fall back on.
   */
  static async append(manager: EntityManager, event: NewAuditEvent): Promise<void> {
    // jsonb: TypeORM's insert typing does not model free-form objects.
    await manager.insert(AuditEventEntity, event as never);
  }

  /**
   * A deleted account's personal data in the events about it, inside the deletion's transaction:
   * the address and user agent of the requests it made, and its email in `changes`. What
   * happened, by and to which ids, and when, stays. The database allows this one update only
   * (migration 1764200000000), and only towards less.
   */
  static async eraseSubject(manager: EntityManager, userId: string): Promise<void> {
    await manager.query(`SELECT set_config('argus.audit_erasure', 'on', true)`);
    await manager.query(
      `UPDATE audit_events SET ip = NULL, user_agent = NULL WHERE actor_id = $1 AND (ip IS NOT NULL OR user_agent IS NOT NULL)`,
      [userId],
    );
    await manager.query(`UPDATE audit_events SET changes = changes - 'email' WHERE target_id = $1 AND changes -> 'email' IS NOT NULL`, [
      userId,
    ]);
    await manager.query(`SELECT set_config('argus.audit_erasure', 'off', true)`);
  }

  /** Events a user did or that were done to their account, newest first, at most `take` (the data export). */
  findAbout(userId: string, take: number): Promise<AuditEventEntity[]> {
    return this.repository
      .createQueryBuilder('event')
      .where('event.actorId = :userId OR event.targetId = :userId', { userId })
      .orderBy('event.occurredAt', 'DESC')
      .addOrderBy('event.id', 'ASC')
      .take(take)
      .getMany();
  }

  async find(query: AuditQuery): Promise<{ items: AuditEventEntity[]; total: number }> {
    const builder = this.repository.createQueryBuilder('event');
    if (query.actorId) builder.andWhere('event.actorId = :actorId', { actorId: query.actorId });
    if (query.targetId) builder.andWhere('event.targetId = :targetId', { targetId: query.targetId });
    if (query.action) builder.andWhere('event.action = :action', { action: query.action });
    if (query.from) builder.andWhere('event.occurredAt >= :from', { from: query.from });
    if (query.to) builder.andWhere('event.occurredAt < :to', { to: query.to });
    const [items, total] = await builder
      .orderBy('event.occurredAt', 'DESC')
      .addOrderBy('event.id', 'ASC')
      .skip(query.skip)
      .take(query.take)
      .getManyAndCount();
    return { items, total };
  }
}
