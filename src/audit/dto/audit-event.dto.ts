import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsOptional, IsUUID } from 'class-validator';
import { PaginationQueryDto } from '../../core/dto/pagination-query.dto';
import { AUDIT_ACTIONS, AuditAction, AuditChanges, AuditEventEntity } from '../../events/audit-event.entity';

export class AuditEventDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ type: String, format: 'date-time' })
  occurredAt: string;

  @ApiProperty({ enum: AUDIT_ACTIONS })
  action: AuditAction;

  @ApiProperty({ enum: ['user', 'api_key', 'anonymous', 'system'] })
  actorType: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The acting user (for a key, its owner)' })
  actorId: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  actorKeyId: string | null;

  @ApiProperty({ enum: ['user', 'api_key', 'organization', 'project', 'session', 'signing_key'] })
  targetType: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  targetId: string | null;

  @ApiProperty({ type: String, nullable: true })
  ip: string | null;

  @ApiProperty({ type: String, nullable: true })
  userAgent: string | null;

  @ApiProperty({ type: String, nullable: true })
  requestId: string | null;

  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true, description: '`{ field: { from, to } }`; never a secret' })
  changes: AuditChanges | null;
}

export class AuditQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  actorId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  targetId?: string;

  @ApiPropertyOptional({ enum: AUDIT_ACTIONS })
  @IsOptional()
  @IsIn(AUDIT_ACTIONS)
  action?: AuditAction;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'From this time (inclusive)' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  from?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Before this time (exclusive)' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  to?: Date;

  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json', description: 'csv: every matching event (up to 10,000) as a file' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}

export function toAuditEventDto(event: AuditEventEntity): AuditEventDto {
  return {
    id: event.id,
    occurredAt: event.occurredAt.toISOString(),
    action: event.action,
    actorType: event.actorType,
    actorId: event.actorId,
    actorKeyId: event.actorKeyId,
    targetType: event.targetType,
    targetId: event.targetId,
    ip: event.ip,
    userAgent: event.userAgent,
    requestId: event.requestId,
    changes: event.changes,
  };
}

const CSV_COLUMNS: Array<keyof AuditEventDto> = [
  'id',
  'occurredAt',
  'action',
  'actorType',
  'actorId',
  'actorKeyId',
  'targetType',
  'targetId',
  'ip',
  'userAgent',
  'requestId',
  'changes',
];

/** RFC 4180 CSV; cells that a spreadsheet would run as a formula are prefixed with a quote. */
export function toCsv(events: AuditEventDto[]): string {
  const cell = (value: unknown): string => {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- objects are JSON-encoded first; String() only meets primitives here
    let text = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = [CSV_COLUMNS.join(','), ...events.map((event) => CSV_COLUMNS.map((column) => cell(event[column])).join(','))];
  return lines.join('\r\n') + '\r\n';
}
