import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
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
import { WebhookDeliveryEntity, WebhookEndpointEntity } from '../events/webhook.entities';

/** An owner's webhook endpoints. Every query is bounded by the owner: a foreign id is a 404. */
@Injectable()
export class WebhooksService {
  private readonly box: SecretBox;

  constructor(
    @InjectRepository(WebhookEndpointEntity) private readonly endpoints: Repository<WebhookEndpointEntity>,
    @InjectRepository(WebhookDeliveryEntity) private readonly deliveries: Repository<WebhookDeliveryEntity>,
    @Inject(webhooksConfig.KEY) private readonly config: WebhooksConfig,
    @Inject(authConfig.KEY) auth: AuthConfig,
    private readonly clock: Clock,
  ) {
    this.box = new SecretBox(auth.jwt.secret);
  }

  async createWebhook(userId: string, dto: CreateWebhookDto): Promise<CreatedWebhookResponseDto> {
    await this.assertDeliverable(dto.url);
    const secret = generateWebhookSecret();
    const saved = await this.endpoints.save(
      this.endpoints.create({
        userId,
        url: dto.url,
        events: dto.events,
        secretBox: this.box.seal(secret),
        isActive: true,
        consecutiveFailures: 0,
        failingSince: null,
        nextProbeAt: null,
        disabledAt: null,
      }),
    );
    return { ...toWebhookResponse(saved), secret };
  }

  async listWebhooks(userId: string, page: PaginationQueryDto): Promise<{ items: WebhookResponseDto[]; total: number }> {
    const [rows, total] = await this.endpoints.findAndCount({
      where: { userId },
      order: { createdAt: 'DESC', id: 'ASC' },
      skip: page.skip,
      take: page.limit,
    });
    return { items: rows.map(toWebhookResponse), total };
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
      await this.deliveries
        .createQueryBuilder()
        .update()
        .set({ nextAttemptAt: this.clock.date() })
        .where('endpoint_id = :id AND status = :pending AND next_attempt_at > :now', { id, pending: 'pending', now: this.clock.date() })
        .execute();
    }
    return toWebhookResponse(saved);
  }

  async deleteWebhook(userId: string, id: string): Promise<void> {
    await this.findOwned(userId, id);
    await this.endpoints.delete({ id, userId });
  }

  async listDeliveries(userId: string, id: string, page: PaginationQueryDto): Promise<{ items: WebhookDeliveryDto[]; total: number }> {
    await this.findOwned(userId, id);
    const [rows, total] = await this.deliveries.findAndCount({
      where: { endpointId: id },
      order: { createdAt: 'DESC', id: 'ASC' },
      skip: page.skip,
      take: page.limit,
    });
    return { items: rows.map(toDeliveryDto), total };
  }

  /** Sends one delivery again, on a fresh retry schedule, with the same `webhook-id`. */
  async redeliver(userId: string, id: string, deliveryId: string): Promise<WebhookDeliveryDto> {
    await this.findOwned(userId, id);
    const delivery = await this.deliveries.findOne({ where: { id: deliveryId, endpointId: id } });
    if (!delivery) throw notFound('Delivery');
    if (delivery.status === 'pending') throw conflict('Delivery is already pending: it will be sent on its schedule');
    await this.deliveries.update({ id: deliveryId, status: delivery.status }, this.requeued());
    return toDeliveryDto({ ...delivery, ...this.requeued() });
  }

  /** Requeues every failed delivery of the endpoint; resolves to how many. */
  async redeliverFailed(userId: string, id: string): Promise<number> {
    await this.findOwned(userId, id);
    const result = await this.deliveries.update({ endpointId: id, status: 'failed' }, this.requeued());
    return result.affected ?? 0;
  }

  private requeued(): Pick<WebhookDeliveryEntity, 'status' | 'attempts' | 'nextAttemptAt' | 'deliveredAt'> {
    return { status: 'pending', attempts: 0, nextAttemptAt: this.clock.date(), deliveredAt: null };
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
    const endpoint = await this.endpoints.findOne({ where: { id, userId } });
    if (!endpoint) throw notFound('Webhook');
    return endpoint;
  }
}
