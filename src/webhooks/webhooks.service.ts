import { Inject, Injectable } from '@nestjs/common';
import { PaginationQueryDto } from '../core/dto/pagination-query.dto';
import { conflict, notFound, validationFailed } from '../core/errors/app.exception';
import { Clock } from '../core/time/clock';
import { AuthConfig, authConfig } from '../auth/auth.config';
import { WebhooksConfig, webhooksConfig } from './webhooks.config';
import {
  CreateWebhookDto,
  CreatedWebhookResponseDto,
  UpdateWebhookDto,
  WebhookDeliveryDto,
  WebhookResponseDto,
  toDeliveryDto,
  toWebhookResponse,
} from './dto/webhook.dto';
import { ForbiddenDestinationError, assertPublicHost } from './network-guard';
import { SecretBox } from '../core/crypto/secret-box';
import { generateWebhookSecret } from './signing';
import { WEBHOOK_TEST_EVENT, WebhookEndpointEntity } from '../events/webhook.entities';
import { WebhookDeliveryRepository, requeued } from './webhook-delivery.repository';
import { WebhookEndpointRepository } from './webhook-endpoint.repository';

/** An owner's webhook endpoints. Every query is bounded by the owner: a foreign id is a 404. */
@Injectable()
export class WebhooksService {
  private readonly box: SecretBox;

  constructor(
    private readonly endpoints: WebhookEndpointRepository,
    private readonly deliveries: WebhookDeliveryRepository,
    @Inject(webhooksConfig.KEY) private readonly config: WebhooksConfig,
    @Inject(authConfig.KEY) auth: AuthConfig,
    private readonly clock: Clock,
  ) {
    this.box = new SecretBox(auth.jwt.secret);
  }

  async createWebhook(userId: string, dto: CreateWebhookDto): Promise<CreatedWebhookResponseDto> {
    await this.assertDeliverable(dto.url);
    const secret = generateWebhookSecret();
    const saved = await this.endpoints.create({
      userId,
      url: dto.url,
      events: dto.events,
      secretBox: this.box.seal(secret),
      isActive: true,
      consecutiveFailures: 0,
      failingSince: null,
      nextProbeAt: null,
      disabledAt: null,
    });
    return { ...toWebhookResponse(saved), secret };
  }

  async listWebhooks(userId: string, page: PaginationQueryDto): Promise<{ items: WebhookResponseDto[]; total: number }> {
    const { items, total } = await this.endpoints.listByOwner(userId, { skip: page.skip, take: page.limit });
    return { items: items.map(toWebhookResponse), total };
  }

  async getWebhook(userId: string, id: string): Promise<WebhookResponseDto> {
    return toWebhookResponse(await this.findOwned(userId, id));
  }

  async updateWebhook(userId: string, id: string, dto: UpdateWebhookDto): Promise<WebhookResponseDto> {
    const endpoint = await this.findOwned(userId, id);
    if (dto.url !== undefined) {
      await this.assertDeliverable(dto.url);
      if (dto.url !== endpoint.url) this.resetHealth(endpoint); // a new receiver starts healthy
      endpoint.url = dto.url;
    }
    if (dto.events !== undefined) endpoint.events = dto.events;
    const resumed = dto.isActive === true && !endpoint.isActive;
    if (dto.isActive !== undefined) {
      endpoint.isActive = dto.isActive;
      // Re-enabling clears the failure history; the deliveries kept while disabled then go out.
      if (dto.isActive) this.resetHealth(endpoint);
    }
    const saved = await this.endpoints.save(endpoint);
    if (resumed) {
      // The backlog kept while disabled waited for the endpoint, not for its schedule: due now.
      await this.deliveries.dueNow(id, this.clock.date());
    }
    return toWebhookResponse(saved);
  }

  async deleteWebhook(userId: string, id: string): Promise<void> {
    await this.findOwned(userId, id);
    await this.endpoints.deleteOwned(userId, id);
  }

  async listDeliveries(userId: string, id: string, page: PaginationQueryDto): Promise<{ items: WebhookDeliveryDto[]; total: number }> {
    await this.findOwned(userId, id);
    const { items, total } = await this.deliveries.listForEndpoint(id, { skip: page.skip, take: page.limit });
    return { items: items.map(toDeliveryDto), total };
  }

  /** Sends one delivery again, on a fresh retry schedule, with the same `webhook-id`. */
  async redeliver(userId: string, id: string, deliveryId: string): Promise<WebhookDeliveryDto> {
    await this.findOwned(userId, id);
    const delivery = await this.deliveries.getForEndpoint(id, deliveryId);
    if (!delivery) throw notFound('Delivery');
    if (delivery.status === 'pending') throw conflict('Delivery is already pending: it will be sent on its schedule');
    const now = this.clock.date();
    await this.deliveries.requeue(deliveryId, delivery.status, now);
    return toDeliveryDto({ ...delivery, ...requeued(now) });
  }

  /** Requeues every failed delivery of the endpoint; resolves to how many. */
  async redeliverFailed(userId: string, id: string): Promise<number> {
    await this.findOwned(userId, id);
    return this.deliveries.requeueFailed(id, this.clock.date());
  }

  /**
   * Queues a `webhook.test` delivery to the endpoint alone (whatever it subscribes to), sent by the
   * dispatcher like any event, so its status and response code show in the deliveries. A disabled
   * or paused endpoint sends nothing: 409, rather than a test that would wait unseen.
   */
  async sendTestEvent(userId: string, id: string): Promise<WebhookDeliveryDto> {
    const endpoint = await this.findOwned(userId, id);
    if (!endpoint.isActive) throw conflict('Webhook is disabled: enable it to send a test event');
    const now = this.clock.date();
    const payload = {
      type: WEBHOOK_TEST_EVENT,
      timestamp: now.toISOString(),
      data: { webhookId: endpoint.id, ownerId: userId, message: 'A test event from Argus: your endpoint receives deliveries.' },
    };
    return toDeliveryDto(await this.deliveries.enqueue(endpoint.id, WEBHOOK_TEST_EVENT, payload, now));
  }

  private resetHealth(endpoint: WebhookEndpointEntity): void {
    endpoint.consecutiveFailures = 0;
    endpoint.failingSince = null;
    endpoint.nextProbeAt = null;
    endpoint.disabledAt = null;
  }

  /** Refuses URLs that resolve to loopback, private, link-local or metadata addresses (SSRF). */
  private async assertDeliverable(url: string): Promise<void> {
    try {
      await assertPublicHost(new URL(url).hostname, this.config.allowPrivate);
    } catch (error) {
      const message =
        error instanceof ForbiddenDestinationError
          ? 'url must resolve to a public address (loopback, private, link-local and metadata addresses are refused)'
          : 'url host cannot be resolved';
      throw validationFailed([{ field: 'url', messages: [message] }]);
    }
  }

  private async findOwned(userId: string, id: string): Promise<WebhookEndpointEntity> {
    const endpoint = await this.endpoints.getOwned(userId, id);
    if (!endpoint) throw notFound('Webhook');
    return endpoint;
  }
}
