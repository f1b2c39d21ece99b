import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import type { AuditChanges } from './audit-event.entity';
import { Clock } from '../core/time/clock';
import { WebhookDeliveryEntity, WebhookEndpointEntity, WebhookEventType } from './webhook.entities';

export interface WebhookEvent {
  type: WebhookEventType;
  ownerId: string;
  keyId: string | null;
  changes: AuditChanges | null;
  /** Event-specific fields added to `data` beside keyId, ownerId and changes. */
  details?: Record<string, unknown>;
}

/**
 * Writes a delivery for every active endpoint of the owner subscribed to the event, through the
 * caller's transaction: the event and its deliveries commit, or roll back, together.
 *
 * Its two statements are its own named queries rather than calls into the webhooks module's
 * repositories: the events layer sits below webhooks/ and may not import it, and both statements
 * run only inside another feature's transaction. Everything else on these tables (endpoint CRUD,
 * claims, outcomes) is webhooks/'s.
 */
@Injectable()
export class WebhookOutbox {
  constructor(private readonly clock: Clock) {}

  async enqueue(manager: EntityManager, event: WebhookEvent): Promise<void> {
    const endpointIds = await subscribedEndpointIds(manager, event.ownerId, event.type);
    if (endpointIds.length === 0) return;
    const now = this.clock.date();
    await insertPendingDeliveries(manager, endpointIds, event.type, messageOf(event, now), now);
  }
}

/** The owner's active endpoints subscribed to `type`. */
async function subscribedEndpointIds(manager: EntityManager, ownerId: string, type: WebhookEventType): Promise<string[]> {
  const endpoints = await manager
    .getRepository(WebhookEndpointEntity)
    .createQueryBuilder('endpoint')
    .select(['endpoint.id'])
    .where('endpoint.userId = :ownerId AND endpoint.isActive = true AND :type = ANY(endpoint.events)', { ownerId, type })
    .getMany();
  return endpoints.map((endpoint) => endpoint.id);
}

/** What a delivery of the event sends (the signed body). */
function messageOf(event: WebhookEvent, now: Date) {
  return {
    type: event.type,
    timestamp: now.toISOString(),
    data: { ...event.details, keyId: event.keyId, ownerId: event.ownerId, changes: event.changes },
  };
}

/** One delivery of `payload` per endpoint, each with its own message id, due at `now`. */
async function insertPendingDeliveries(
  manager: EntityManager,
  endpointIds: string[],
  eventType: WebhookEventType,
  payload: ReturnType<typeof messageOf>,
  now: Date,
): Promise<void> {
  await manager.insert(
    WebhookDeliveryEntity,
    endpointIds.map((endpointId) => ({
      endpointId,
      messageId: randomUUID(),
      eventType,
      payload,
      status: 'pending' as const,
      attempts: 0,
      nextAttemptAt: now,
    })),
  );
}
