import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { PeriodicTask } from '../core/scheduling/periodic-task';
import { Clock } from '../core/time/clock';
import { AuthConfig, authConfig } from '../auth/auth.config';
import { WebhooksConfig, webhooksConfig } from './webhooks.config';
import { ForbiddenDestinationError, guardedLookup, isPublicAddress } from './network-guard';
import { SecretBox } from '../core/crypto/secret-box';
import { signatureHeaders } from './signing';
import { DeliveryClaims } from './delivery-claims';
import { endpointBackoffMs, isBackedOff, retryDelayMs, shouldDisable } from './retry-policy';
import { WebhookDeliveryEntity, WebhookEndpointEntity } from '../events/webhook.entities';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WebhookEndpointRepository } from './webhook-endpoint.repository';

/** Deliveries a healthy endpoint gets in one pass (sent one after another). */
const PER_ENDPOINT = 10;
/** Passes one tick runs back to back while there is work, before waiting for the next poll. */
const MAX_PASSES = 20;

interface Outcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
}

/**
 * The outbox worker: claims due deliveries (see DeliveryClaims: leases, SKIP LOCKED, one probe per
 * backed-off endpoint), sends them signed, and records the outcome on the delivery (its own retry
 * schedule) and on the endpoint (its back-off and health). Rows are the state, so a restart loses
 * nothing: a crashed worker's claims run out after one lease and are sent again (at least once).
 */
@Injectable()
export class WebhookDispatcher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private readonly box: SecretBox;
  private readonly claims: DeliveryClaims;
  /** Deliveries claimed and not yet settled, whose leases the heartbeat renews. */
  private readonly held = new Set<string>();
  private readonly leaseMs: number;
  private readonly passes = new PeriodicTask(
    () => this.deliverDue(),
    (error) => this.logger.warn(`Webhook pass failed: ${error.message}`),
  );
  private readonly heartbeat = new PeriodicTask(
    () => this.renewLeases(),
    (error) => this.logger.warn(`Webhook lease renewal failed: ${error.message}`),
  );

  constructor(
    private readonly endpoints: WebhookEndpointRepository,
    private readonly deliveries: WebhookDeliveryRepository,
    @Inject(webhooksConfig.KEY) private readonly config: WebhooksConfig,
    @Inject(authConfig.KEY) auth: AuthConfig,
    private readonly clock: Clock,
  ) {
    this.box = new SecretBox(auth.jwt.secret);
    // Long enough for one request and its bookkeeping; renewed every third of it while held.
    this.leaseMs = 2 * config.timeoutMs + 1000;
    this.claims = new DeliveryClaims(endpoints, deliveries, this.leaseMs, PER_ENDPOINT, config.retry.endpointBackoffAfter);
  }

  onModuleInit(): void {
    this.passes.start(this.config.pollMs);
    this.heartbeat.start(Math.floor(this.leaseMs / 3));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.passes.stop(), this.heartbeat.stop()]);
  }

  /** Passes over due deliveries until none is left; concurrent calls share the tick in progress. */
  tick(): Promise<void> {
    return this.passes.tick();
  }

  private async deliverDue(): Promise<void> {
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      if (!this.deliveries.connected) return;
      const claimed = await this.claims.claim(this.clock.now());
      if (claimed.length === 0) return;
      for (const claim of claimed) for (const id of claim.deliveryIds) this.held.add(id);
      // Endpoints in parallel (a slow receiver does not hold up the others), each one in order.
      await Promise.all(claimed.map((claim) => this.deliverInOrder(claim.deliveryIds)));
    }
  }

  /** Sends an endpoint's claimed deliveries in turn; once the endpoint is backed off, hands the rest back. */
  private async deliverInOrder(ids: string[]): Promise<void> {
    try {
      for (let index = 0; index < ids.length; index++) {
        const ok = await this.deliver(ids[index]).finally(() => this.held.delete(ids[index]));
        if (!ok) {
          const rest = ids.slice(index + 1);
          await this.claims.release(rest, this.clock.now());
          return;
        }
      }
    } finally {
      for (const id of ids) this.held.delete(id);
    }
  }

  private async renewLeases(): Promise<void> {
    try {
      await this.claims.renew([...this.held], this.clock.now());
    } catch (error) {
      this.logger.warn(`Webhook lease renewal failed: ${(error as Error).message}`);
    }
  }

  /**
   * One attempt at one delivery; resolves to whether to go on with the endpoint's next one: after
   * a success, or a failure that did not back the endpoint off (a flaky receiver keeps draining).
   */
  private async deliver(id: string): Promise<boolean> {
    const delivery = await this.deliveries.getById(id);
    if (!delivery || delivery.status !== 'pending') return true;
    const endpoint = await this.endpoints.getWithSecret(delivery.endpointId);
    if (!endpoint) return false;
    if (!endpoint.isActive) {
      // Disabled meanwhile: the delivery stays pending, and goes once the endpoint is enabled again.
      await this.claims.release([id], this.clock.now());
      return false;
    }

    const outcome = await this.send(endpoint, delivery);
    const attempts = delivery.attempts + 1;
    const now = this.clock.now();
    if (outcome.ok) {
      await this.deliveries.recordSuccess(id, attempts, outcome.statusCode, new Date(now));
      await this.endpoints.markHealthy(endpoint.id);
      return true;
    }
    const policy = this.config.retry;
    const delay = retryDelayMs(policy, attempts);
    await this.deliveries.recordFailure(id, {
      status: delay === null ? 'failed' : 'pending',
      attempts,
      lastStatusCode: outcome.statusCode,
      lastError: outcome.error?.slice(0, 500) ?? null,
      nextAttemptAt: delay === null ? null : new Date(now + delay),
    });
    return !(await this.recordEndpointFailure(endpoint.id, now));
  }

  /**
   * One more failure in a row: from `endpointBackoffAfter` in a row, back the endpoint off, and
   * disable it once it has failed for long enough. Resolves to whether it is now backed off.
   */
  private async recordEndpointFailure(endpointId: string, now: number): Promise<boolean> {
    const run = await this.endpoints.countFailure(endpointId, new Date(now));
    if (!run) return true;
    const policy = this.config.retry;
    const failures = run.consecutiveFailures;
    if (!isBackedOff(policy, failures)) return false;
    const disable = shouldDisable(policy, failures, run.failingSince, now);
    await this.endpoints.backOff(endpointId, new Date(now + endpointBackoffMs(policy, failures)), disable ? new Date(now) : null);
    if (disable) {
      this.logger.warn(
        `Webhook endpoint ${endpointId} disabled after failing since ${run.failingSince.toISOString()} (${failures} attempts)`,
      );
    }
    return true;
  }

  /** One signed POST; redirects are not followed, and non-public destinations are refused. */
  private send(endpoint: WebhookEndpointEntity, delivery: WebhookDeliveryEntity): Promise<Outcome> {
    const { allowPrivate, timeoutMs } = this.config;
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
      const req = request(url, { method: 'POST', headers, timeout: timeoutMs, lookup: guardedLookup(allowPrivate) }, (res) => {
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
