import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { EventsModule } from '../events/events.module';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';
import { KeyEventsController } from './key-events.controller';

/** Reading the audit trail: the admin log and export, and a key's own events for its owner. */
@Module({
  imports: [ApiKeysModule, EventsModule],
  controllers: [AuditController, KeyEventsController],
  providers: [AuditService],
})
export class AuditModule {}
