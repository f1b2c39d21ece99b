import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditContext } from './audit-context';
import { AuditAction, AuditChanges, AuditTargetType } from './audit-event.entity';
import { AuditEventRepository } from './audit-event.repository';
import { WebhookOutbox } from './webhook-outbox';
import type { WebhookEventType } from './webhook.entities';

export interface AuditRecord {
  action: AuditAction;
  targetType: AuditTargetType;
  targetId: string | null;
  changes?: AuditChanges | null;
  /** The key's owner, for key events: who webhooks are sent to. */
  ownerId?: string;
  /** Further facts for the event's webhook only (never a secret); the audit row keeps `changes`. */
  webhookDetails?: Record<string, unknown>;
}

/** Fields whose values never enter the audit trail, whatever a caller passes. */
const SECRET_FIELDS = new Set(['key', 'keyHash', 'password', 'passwordHash', 'refreshToken', 'accessToken', 'secret', 'tokenHash']);

/**
 * Writes the audit trail, and the webhook deliveries an event announces, inside the caller's
 * transaction: every feature records through it, so a change and its trail commit together.
 */
@Injectable()
export class AuditRecorder {
  constructor(private readonly outbox: WebhookOutbox) {}

  /** Writes one event through `manager`, so it commits or rolls back with the change itself. */
  async record(manager: EntityManager, context: AuditContext, event: AuditRecord): Promise<void> {
    await AuditEventRepository.append(manager, {
      action: event.action,
      actorType: context.actorType,
      actorId: context.actorId,
      actorKeyId: context.actorKeyId,
      targetType: event.targetType,
      targetId: event.targetId,
      ip: context.ip,
      userAgent: context.userAgent,
      requestId: context.requestId,
      changes: event.changes ? withoutSecrets(event.changes) : null,
    });
    const webhookType = webhookTypeOf(event);
    if (webhookType && event.ownerId) {
      await this.outbox.enqueue(manager, {
        type: webhookType,
        ownerId: event.ownerId,
        keyId: event.targetType === 'api_key' ? event.targetId : null,
        changes: event.changes ? withoutSecrets(event.changes) : null,
        details: event.webhookDetails,
      });
    }
  }
}

/** The webhook an audited change is announced by, if any. */
function webhookTypeOf(event: AuditRecord): WebhookEventType | null {
  switch (event.action) {
    case 'key.created':
    case 'key.rotated':
    case 'key.revoked':
    case 'key.deactivated':
    case 'application.created':
    case 'application.secret_rotated':
    case 'application.revoked':
    case 'consent.granted':
    case 'consent.revoked':
      return event.action;
    case 'key.updated':
      return event.changes?.isActive?.to === false ? 'key.deactivated' : null;
    default:
      return null;
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
