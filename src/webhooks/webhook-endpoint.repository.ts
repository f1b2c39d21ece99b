import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { WebhookEndpointEntity } from '../events/webhook.entities';

export type NewWebhookEndpoint = Omit<WebhookEndpointEntity, 'id' | 'owner' | 'createdAt' | 'updatedAt'>;

/** An endpoint's run of failures after one more: how many in a row, and since when. */
export interface FailureRun {
  consecutiveFailures: number;
  failingSince: Date;
}

/** Endpoints that have a pending delivery due at $1. */
const HAS_DUE_DELIVERY = `EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.next_attempt_at <= $1)`;

/**
 * The webhook_endpoints table's queries: an owner's endpoints (every lookup by id is bounded by
 * the owner), and the health the delivery worker keeps on them. The signing secret is read by
 * `getWithSecret` alone (the column is not selected by default).
 */
@Injectable()
export class WebhookEndpointRepository {
  constructor(@InjectRepository(WebhookEndpointEntity) private readonly repository: Repository<WebhookEndpointEntity>) {}

  create(endpoint: NewWebhookEndpoint): Promise<WebhookEndpointEntity> {
    return this.repository.save(this.repository.create(endpoint));
  }

  async listByOwner(userId: string, page: { skip: number; take: number }): Promise<{ items: WebhookEndpointEntity[]; total: number }> {
    const [items, total] = await this.repository.findAndCount({
      where: { userId },
      order: { createdAt: 'DESC', id: 'ASC' },
      skip: page.skip,
      take: page.take,
    });
    return { items, total };
  }

  getOwned(userId: string, id: string): Promise<WebhookEndpointEntity | null> {
    return this.repository.findOne({ where: { id, userId } });
  }

  save(endpoint: WebhookEndpointEntity): Promise<WebhookEndpointEntity> {
    return this.repository.save(endpoint);
  }

  /** Its deliveries go with it (the foreign key cascades). */
  async deleteOwned(userId: string, id: string): Promise<void> {
    await this.repository.delete({ id, userId });
  }

  /** For the worker, which signs with it; never for a response. */
  getWithSecret(id: string): Promise<WebhookEndpointEntity | null> {
    return this.repository.createQueryBuilder('endpoint').addSelect('endpoint.secretBox').where('endpoint.id = :id', { id }).getOne();
  }

  /** A success ends the endpoint's run of failures and any back-off. */
  async markHealthy(id: string): Promise<void> {
    await this.repository.query(
      `UPDATE webhook_endpoints SET consecutive_failures = 0, failing_since = NULL, next_probe_at = NULL, updated_at = now()
        WHERE id = $1 AND (consecutive_failures > 0 OR next_probe_at IS NOT NULL)`,
      [id],
    );
  }

  /** Counts one more failure in a row, in one statement; null when the endpoint is gone. */
  async countFailure(id: string, at: Date): Promise<FailureRun | null> {
    const [run]: Array<{ consecutive_failures: number; failing_since: Date }> = await this.repository.query(
      `WITH failed AS (
         UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1, failing_since = COALESCE(failing_since, $2)
          WHERE id = $1 RETURNING consecutive_failures, failing_since)
       SELECT consecutive_failures, failing_since FROM failed`,
      [id, at],
    );
    return run ? { consecutiveFailures: run.consecutive_failures, failingSince: new Date(run.failing_since) } : null;
  }

  /** Backs the endpoint off until `nextProbeAt`, and disables it as of `disabledAt` when given. */
  async backOff(id: string, nextProbeAt: Date, disabledAt: Date | null): Promise<void> {
    await this.repository.query(
      `UPDATE webhook_endpoints SET next_probe_at = $2, updated_at = now()${disabledAt ? ', is_active = false, disabled_at = $3' : ''} WHERE id = $1`,
      disabledAt ? [id, nextProbeAt, disabledAt] : [id, nextProbeAt],
    );
  }

  /**
   * Takes up to `limit` backed-off endpoints (`backoffAfter` failures in a row or more) whose probe
   * is due and that have a delivery due, pushing their next probe to `leaseEnd` so no other
   * instance probes them meanwhile (FOR UPDATE SKIP LOCKED).
   */
  async claimProbes(at: Date, leaseEnd: Date, backoffAfter: number, limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.repository.query(
      `WITH probed AS (
         UPDATE webhook_endpoints e SET next_probe_at = $2
          WHERE e.id IN (
            SELECT e.id FROM webhook_endpoints e
             WHERE e.is_active AND e.consecutive_failures >= $3 AND (e.next_probe_at IS NULL OR e.next_probe_at <= $1) AND ${HAS_DUE_DELIVERY}
             LIMIT ${limit} FOR UPDATE SKIP LOCKED)
         RETURNING e.id)
       SELECT id FROM probed`,
      [at, leaseEnd, backoffAfter],
    );
    return rows.map((row) => row.id);
  }

  /** Up to `limit` active endpoints that are not backed off and have a delivery due. */
  async healthyWithDue(at: Date, backoffAfter: number, limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.repository.query(
      `SELECT e.id FROM webhook_endpoints e WHERE e.is_active AND e.consecutive_failures < $2 AND ${HAS_DUE_DELIVERY} LIMIT ${limit}`,
      [at, backoffAfter],
    );
    return rows.map((row) => row.id);
  }

  /** A probe claimed with nothing left to send: the endpoint may be probed again from `at`. */
  async releaseProbe(id: string, at: Date): Promise<void> {
    await this.repository.query(`UPDATE webhook_endpoints SET next_probe_at = $1 WHERE id = $2`, [at, id]);
  }
}
