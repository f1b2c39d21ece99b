import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WebhookDispatcher } from './webhook-dispatcher';
import { EventsModule } from '../events/events.module';
import { WebhookDeliveryEntity, WebhookEndpointEntity } from '../events/webhook.entities';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WebhookEndpointRepository } from './webhook-endpoint.repository';

/** Signed webhooks for key events: endpoints, and delivering what the events layer's outbox holds. */
@Module({
  imports: [TypeOrmModule.forFeature([WebhookEndpointEntity, WebhookDeliveryEntity]), EventsModule],
  controllers: [WebhooksController],
  providers: [WebhookEndpointRepository, WebhookDeliveryRepository, WebhooksService, WebhookDispatcher],
  exports: [WebhookDispatcher, WebhooksService],
})
export class WebhooksModule {}
