import { Injectable } from '@nestjs/common';
import { AuditEventEntity } from '../events/audit-event.entity';
import { AuditEventRepository, AuditQuery } from '../events/audit-event.repository';

/** Reads the audit trail (the events layer writes it). */
@Injectable()
export class AuditService {
  constructor(private readonly events: AuditEventRepository) {}

  find(query: AuditQuery): Promise<{ items: AuditEventEntity[]; total: number }> {
    return this.events.find(query);
  }
}
