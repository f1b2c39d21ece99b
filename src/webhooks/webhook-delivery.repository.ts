import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { DeliveryEventType, DeliveryStatus, WebhookDeliveryEntity } from '../events/webhook.entities';

/** A delivery sent again: pending on a fresh retry schedule, due at `at`. */
export function requeued(at: Date): Pick<WebhookDeliveryEntity, 'status' | 'attempts' | 'nextAttemptAt' | 'deliveredAt'> {
  return { status: 'pending', attempts: 0, nextAttemptAt: at, deliveredAt: null };
}

/** The outcome of an attempt that failed: pending again from `nextAttemptAt`, or failed for good (null). */
export interface FailedAttempt {
  status: Extract<DeliveryStatus, 'pending' | 'failed'>;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
}

/**
 * The webhook_deliveries table's queries, after the outbox (events/) has written the rows: an
 * endpoint's deliveries for its owner, redelivery, and the worker's claims, leases and outcomes.
 */
@Injectable()
export class WebhookDeliveryRepository {
  constructor(@InjectRepository(WebhookDeliveryEntity) private readonly repository: Repository<WebhookDeliveryEntity>) {}

  /** False once the connection is closed (the application is stopping). */
  get connected(): boolean {
    return this.repository.manager.connection.isInitialized;
  }

  async listForEndpoint(
    endpointId: string,
    page: { skip: number; take: number },
  ): Promise<{ items: WebhookDeliveryEntity[]; total: number }> {
    const [items, total] = await this.repository.findAndCount({
      where: { endpointId },
      order: { createdAt: 'DESC', id: 'ASC' },
      skip: page.skip,
      take: page.take,
    });
    return { items, total };
  }

  /**
   * Queues one delivery to one endpoint, due at `at`, as the outbox does for an event: the
   * dispatcher sends it like any other (a test event, which goes to that endpoint alone).
   */
  enqueue(endpointId: string, eventType: DeliveryEventType, payload: Record<string, unknown>, at: Date): Promise<WebhookDeliveryEntity> {
    return this.repository.save(
      this.repository.create({
        endpointId,
        messageId: randomUUID(),
        eventType,
        payload,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: at,
      }),
    );
  }

  getForEndpoint(endpointId: string, id: string): Promise<WebhookDeliveryEntity | null> {
    return this.repository.findOne({ where: { id, endpointId } });
  }

  getById(id: string): Promise<WebhookDeliveryEntity | null> {
    return this.repository.findOneBy({ id });
  }

  /** Requeues the delivery if it is still in status `from` (a concurrent change wins). */
  async requeue(id: string, from: DeliveryStatus, at: Date): Promise<void> {
    await this.repository.update({ id, status: from }, requeued(at));
  }

  /** Requeues every failed delivery of the endpoint; resolves to how many. */
  async requeueFailed(endpointId: string, at: Date): Promise<number> {
    const result = await this.repository.update({ endpointId, status: 'failed' }, requeued(at));
    return result.affected ?? 0;
  }

  /** Makes the endpoint's pending deliveries due at `at` at the latest (its backlog after it is re-enabled). */
  async dueNow(endpointId: string, at: Date): Promise<void> {
    await this.repository
      .createQueryBuilder()
      .update()
      .set({ nextAttemptAt: at })
      .where('endpoint_id = :id AND status = :pending AND next_attempt_at > :now', { id: endpointId, pending: 'pending', now: at })
      .execute();
  }

  async recordSuccess(id: string, attempts: number, statusCode: number | null, at: Date): Promise<void> {
    await this.repository.update(
      { id },
      { status: 'succeeded', attempts, lastStatusCode: statusCode, lastError: null, deliveredAt: at, nextAttemptAt: null },
    );
  }

  async recordFailure(id: string, attempt: FailedAttempt): Promise<void> {
    await this.repository.update({ id }, attempt);
  }

  /**
   * Claims up to `limit` of the endpoint's due deliveries, oldest due first: their next attempt
   * moves to `leaseEnd`, so no other instance takes them (FOR UPDATE SKIP LOCKED) until the lease
   * runs out.
   */
  async claimDue(endpointId: string, limit: number, at: Date, leaseEnd: Date): Promise<string[]> {
    const rows: Array<{ id: string; due: Date }> = await this.repository.query(
      `WITH due AS (
         SELECT id, next_attempt_at FROM webhook_deliveries
          WHERE endpoint_id = $1 AND status = 'pending' AND next_attempt_at <= $2
          ORDER BY next_attempt_at, created_at
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED),
       claimed AS (
         UPDATE webhook_deliveries d SET next_attempt_at = $3 FROM due WHERE d.id = due.id RETURNING d.id, due.next_attempt_at AS due)
       SELECT id, due FROM claimed`,
      [endpointId, at, leaseEnd],
    );
    return rows.sort((a, b) => new Date(a.due).getTime() - new Date(b.due).getTime()).map((row) => row.id);
  }

  /** Moves the next attempt of those deliveries still pending to `at`: a lease renewed, or handed back. */
  async reschedulePending(ids: string[], at: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.repository.query(
      `UPDATE webhook_deliveries SET next_attempt_at = $1 WHERE status = 'pending' AND id IN (${ids.map((_, index) => `$${index + 2}`).join(', ')})`,
      [at, ...ids],
    );
  }
}
