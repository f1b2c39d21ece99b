import { Module } from '@nestjs/common';
import { AuditRecorder } from './audit-recorder';
import { WebhookOutbox } from './webhook-outbox';

/**
 * The writers every feature records through inside its own transaction: the audit trail and the
 * webhook outbox. Reading the trail (audit/) and delivering the outbox (webhooks/) sit above.
 */
@Module({
  providers: [AuditRecorder, WebhookOutbox],
  exports: [AuditRecorder, WebhookOutbox],
})
export class EventsModule {}
