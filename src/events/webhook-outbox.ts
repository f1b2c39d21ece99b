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
 */
@Injectable()
export class WebhookOutbox {
  constructor(private readonly clock: Clock) {}

  async enqueue(manager: EntityManager, event: WebhookEvent): Promise<void> {
    const endpoints = await manager
      .getRepository(WebhookEndpointEntity)
      .createQueryBuilder('endpoint')
      .select(['endpoint.id'])
      .where('endpoint.userId = :ownerId AND endpoint.isActive = true AND :type = ANY(endpoint.events)', {
        ownerId: event.ownerId,
        type: event.type,
      })
      .getMany();
    if (endpoints.length === 0) return;
    const now = this.clock.date();
    const payload = {
      type: event.type,
      timestamp: now.toISOString(),
      data: { ...event.details, keyId: event.keyId, ownerId: event.ownerId, changes: event.changes },
    };
    await manager.insert(
      WebhookDeliveryEntity,
      endpoints.map((endpoint) => ({
        endpointId: endpoint.id,
        messageId: randomUUID(),
        eventType: event.type,
        payload,
        status: 'pending' as const,
        attempts: 0,
        nextAttemptAt: now,
      })),
    );
  }
}
