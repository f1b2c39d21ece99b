import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { DataSource } from 'typeorm';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ForbiddenDestinationError, guardedLookup, isPublicAddress } from './network-guard';
import { SecretBox } from './secret-box';
import { signatureHeaders } from './signing';
import { WebhookDeliveryEntity, WebhookEndpointEntity } from './webhook.entities';

const BATCH = 10;
const LEASE_MS = 60_000;
const MAX_BACKOFF_MS = 3_600_000;

interface Outcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
}

/**
 * The outbox worker: claims due deliveries (SKIP LOCKED, so instances share the work without
 * sending one twice), sends them signed, and retries failures with exponential backoff. Rows are
 * the state, so a restart loses nothing: unsent deliveries are picked up again.
 */
@Injectable()
export class WebhookDispatcher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private readonly box: SecretBox;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.box = new SecretBox(config.jwt.secret);
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.tick(), this.config.webhooks.pollMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass over due deliveries; concurrent calls share the pass in progress. */
  tick(): Promise<void> {
    if (!this.running) {
      this.running = this.deliverDue()
        .catch((error: Error) => this.logger.warn(`Webhook pass failed: ${error.message}`))
        .finally(() => (this.running = undefined));
    }
    return this.running;
  }

  private async deliverDue(): Promise<void> {
    if (!this.dataSource.isInitialized) return;
    const now = this.clock.now();
    // Claim by pushing next_attempt_at past a lease, so another instance (or a crash) cannot lose or
    // double-send a delivery; a SELECT around the UPDATE so the driver hands back plain rows.
    const claimed: Array<{ id: string }> = await this.dataSource.query(
      `WITH due AS (
         SELECT id FROM webhook_deliveries
          WHERE status = 'pending' AND next_attempt_at <= $1
          ORDER BY next_attempt_at
          LIMIT ${BATCH}
          FOR UPDATE SKIP LOCKED),
       claimed AS (
         UPDATE webhook_deliveries d SET next_attempt_at = $2 FROM due WHERE d.id = due.id RETURNING d.id)
       SELECT id FROM claimed`,
      [new Date(now), new Date(now + LEASE_MS)],
    );
    for (const { id } of claimed) await this.deliver(id);
  }

  private async deliver(id: string): Promise<void> {
    const deliveries = this.dataSource.getRepository(WebhookDeliveryEntity);
    const delivery = await deliveries.findOneBy({ id });
    if (!delivery) return;
    const endpoint = await this.dataSource
      .getRepository(WebhookEndpointEntity)
      .createQueryBuilder('endpoint')
      .addSelect('endpoint.secretBox')
      .where('endpoint.id = :id', { id: delivery.endpointId })
      .getOne();
    if (!endpoint || !endpoint.isActive) {
      await deliveries.update({ id }, { status: 'failed', lastError: 'endpoint disabled' });
      return;
    }

    const outcome = await this.send(endpoint, delivery);
    const attempts = delivery.attempts + 1;
    const now = this.clock.now();
    if (outcome.ok) {
      await deliveries.update(
        { id },
        { status: 'succeeded', attempts, lastStatusCode: outcome.statusCode, lastError: null, deliveredAt: new Date(now) },
      );
      if (endpoint.consecutiveFailures > 0) {
        await this.dataSource.getRepository(WebhookEndpointEntity).update({ id: endpoint.id }, { consecutiveFailures: 0 });
      }
      return;
    }
    const finalAttempt = attempts >= this.config.webhooks.maxAttempts;
    const backoff = Math.min(this.config.webhooks.retryBaseSeconds * 1000 * 2 ** (attempts - 1), MAX_BACKOFF_MS);
    await deliveries.update(
      { id },
      {
        status: finalAttempt ? 'failed' : 'pending',
        attempts,
        lastStatusCode: outcome.statusCode,
        lastError: outcome.error?.slice(0, 500) ?? null,
        nextAttemptAt: new Date(now + backoff),
      },
    );
    const failures = endpoint.consecutiveFailures + 1;
    const disable = failures >= this.config.webhooks.disableAfterFailures;
    await this.dataSource
      .getRepository(WebhookEndpointEntity)
      .update({ id: endpoint.id }, { consecutiveFailures: failures, ...(disable ? { isActive: false, disabledAt: new Date(now) } : {}) });
    if (disable) this.logger.warn(`Webhook endpoint ${endpoint.id} disabled after ${failures} failed attempts in a row`);
  }

  /** One signed POST; redirects are not followed, and non-public destinations are refused. */
  private send(endpoint: WebhookEndpointEntity, delivery: WebhookDeliveryEntity): Promise<Outcome> {
    const { allowPrivate, timeoutMs } = this.config.webhooks;
    const url = new URL(endpoint.url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && !allowPrivate && !isPublicAddress(host)) {
      return Promise.resolve({ ok: false, statusCode: null, error: new ForbiddenDestinationError(host).message });
    }
    const body = JSON.stringify(delivery.payload);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Argus-Webhooks/1.0',
      ...signatureHeaders(this.box.open(endpoint.secretBox), delivery.messageId, Math.floor(this.clock.now() / 1000), body),
    };
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const req = request(url, { method: 'POST', headers, timeout: timeoutMs, lookup: guardedLookup(allowPrivate) as never }, (res) => {
        res.resume();
        res.on('end', () => {
          const statusCode = res.statusCode ?? 0;
          const ok = statusCode >= 200 && statusCode < 300;
          resolve({
            ok,
            statusCode,
            error: ok ? null : `HTTP ${statusCode}${statusCode >= 300 && statusCode < 400 ? ' (redirects are not followed)' : ''}`,
          });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
      req.on('error', (error) => resolve({ ok: false, statusCode: null, error: error.message }));
      req.end(body);
    });
  }
}
