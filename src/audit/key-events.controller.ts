import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScopes } from '../access/auth.decorators';
import { Principal } from '../access/principal';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { PaginationQueryDto } from '../core/dto/pagination-query.dto';
import { Envelope } from '../core/http/envelope';
import { ParseIdPipe } from '../core/http/parse-uuid.pipe';
import { ApiEnvelope, ApiErrors } from '../core/openapi/api-responses.decorator';
import { AuditService } from './audit.service';
import { AuditEventDto, toAuditEventDto } from './dto/audit-event.dto';

/** A key's own audit trail, for its owner: the audit module reads it, the keys module says who may. */
@ApiTags('api-keys')
@Controller('keys')
export class KeyEventsController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly audit: AuditService,
  ) {}

  @Get(':id/events')
  @RequireScopes('read:keys')
  @ApiOperation({ summary: 'The audit trail of one of your keys, newest first' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(AuditEventDto, { paginated: true })
  @ApiErrors(400, 404)
  async listKeyEvents(
    @CurrentPrincipal() caller: Principal,
    @Param('id', ParseIdPipe) id: string,
    @Query() page: PaginationQueryDto,
  ): Promise<Envelope<AuditEventDto[]>> {
    await this.keys.getKey(caller, id);
    const { items, total } = await this.audit.find({ targetId: id, skip: page.skip, take: page.limit });
    return Envelope.page(items.map(toAuditEventDto), page.meta(total));
  }
}
