import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WebhookDispatcher } from './webhook-dispatcher';
import { ExpiryNotifier } from './expiry-notifier';
import { WebhookOutbox } from '../events/webhook-outbox';
import { WebhookDeliveryEntity, WebhookEndpointEntity } from '../events/webhook.entities';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/** Signed webhooks for key events; global so the audit trail can enqueue in its transactions. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([WebhookEndpointEntity, WebhookDeliveryEntity])],
  controllers: [WebhooksController],
  providers: [WebhooksService, WebhookOutbox, WebhookDispatcher, ExpiryNotifier],
  exports: [WebhookOutbox, WebhookDispatcher, ExpiryNotifier],
})
export class WebhooksModule {}
