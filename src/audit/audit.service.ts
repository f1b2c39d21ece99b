import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditAction, AuditEventEntity } from '../events/audit-event.entity';

export interface AuditQuery {
  actorId?: string;
  targetId?: string;
  action?: AuditAction;
  from?: Date;
  to?: Date;
  skip: number;
  take: number;
}

/** Reads the audit trail (the events layer writes it). */
@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async find(query: AuditQuery): Promise<{ items: AuditEventEntity[]; total: number }> {
    const builder = this.dataSource.getRepository(AuditEventEntity).createQueryBuilder('event');
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
