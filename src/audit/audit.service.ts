import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditContext } from './audit-context';
import { AuditAction, AuditChanges, AuditEventEntity, AuditTargetType } from './audit-event.entity';

export interface AuditRecord {
  action: AuditAction;
  targetType: AuditTargetType;
  targetId: string | null;
  changes?: AuditChanges | null;
}

export interface AuditQuery {
  actorId?: string;
  targetId?: string;
  action?: AuditAction;
  from?: Date;
  to?: Date;
  skip: number;
  take: number;
}

/** Fields whose values never enter the audit trail, whatever a caller passes. */
const SECRET_FIELDS = new Set(['key', 'keyHash', 'password', 'passwordHash', 'refreshToken', 'accessToken', 'secret', 'tokenHash']);

@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Writes one event through `manager`, so it commits or rolls back with the change itself. */
  async record(manager: EntityManager, context: AuditContext, event: AuditRecord): Promise<void> {
    await manager.insert(AuditEventEntity, {
      action: event.action,
      actorType: context.actorType,
      actorId: context.actorId,
      actorKeyId: context.actorKeyId,
      targetType: event.targetType,
      targetId: event.targetId,
      ip: context.ip,
      userAgent: context.userAgent,
      requestId: context.requestId,
      // jsonb: TypeORM's insert typing does not model free-form objects.
      changes: (event.changes ? withoutSecrets(event.changes) : null) as never,
    });
  }

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

/** The changed fields of `after` against `before`, for the fields listed. */
export function diff<T extends object>(before: T, after: T, fields: Array<keyof T & string>): AuditChanges | null {
  const changes: AuditChanges = {};
  for (const field of fields) {
    const from = before[field];
    const to = after[field];
    if (canonical(from) !== canonical(to)) changes[field] = { from, to };
  }
  return Object.keys(changes).length > 0 ? changes : null;
}

/** JSON with object keys sorted, so values that differ only in key order (as jsonb returns them) compare equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner) && !(inner instanceof Date)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : inner,
  );
}

function withoutSecrets(changes: AuditChanges): AuditChanges {
  return Object.fromEntries(Object.entries(changes).filter(([field]) => !SECRET_FIELDS.has(field)));
}
