import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditEventEntity } from './audit-event.entity';
import { AuditEventRepository } from './audit-event.repository';
import { AuditRecorder } from './audit-recorder';
import { WebhookOutbox } from './webhook-outbox';

/**
 * The writers every feature records through inside its own transaction: the audit trail and the
 * webhook outbox. Reading the trail (audit/, through AuditEventRepository) and delivering the
 * outbox (webhooks/) sit above.
 */
@Module({
  imports: [TypeOrmModule.forFeature([AuditEventEntity])],
  providers: [AuditEventRepository, AuditRecorder, WebhookOutbox],
  exports: [AuditEventRepository, AuditRecorder, WebhookOutbox],
})
export class EventsModule {}
