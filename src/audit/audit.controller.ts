import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Authenticated } from '../access/auth.decorators';
import { Envelope } from '../core/http/envelope';
import { ApiEnvelope, ApiErrors } from '../core/openapi/api-responses.decorator';
import { AuditService } from './audit.service';
import { AuditEventDto, AuditQueryDto, toAuditEventDto, toCsv } from './dto/audit-event.dto';

export const CSV_EXPORT_LIMIT = 10_000;

@ApiTags('admin')
@Controller('admin/audit-events')
@Authenticated({ roles: ['admin'], scopes: ['admin:all'] })
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({
    summary: 'The audit trail: every lifecycle and admin event, newest first',
    description:
      'Filter by actor, target, action and time. `format=csv` exports every match (up to 10,000) as a file. Append-only: no route edits or deletes an event.',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiEnvelope(AuditEventDto, { paginated: true })
  @ApiErrors(400)
  async listAuditEvents(
    @Query() query: AuditQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Envelope<AuditEventDto[]> | string> {
    const csv = query.format === 'csv';
    const { items, total } = await this.audit.find({
      ...query,
      skip: csv ? 0 : query.skip,
      take: csv ? CSV_EXPORT_LIMIT : query.limit,
    });
    const events = items.map(toAuditEventDto);
    if (!csv) return Envelope.page(events, query.meta(total));
    reply.header('Content-Type', 'text/csv; charset=utf-8');
    reply.header('Content-Disposition', 'attachment; filename="audit-events.csv"');
    return toCsv(events);
  }
}
