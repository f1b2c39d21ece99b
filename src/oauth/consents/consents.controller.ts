import { Controller, Delete, Get, HttpCode, HttpStatus, Param } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScopes } from '../../access/auth.decorators';
import { Principal } from '../../access/principal';
import { ApiEnvelope, ApiErrors } from '../../core/openapi/api-responses.decorator';
import { Audit, AuditContext } from '../../events/audit-context';
import { ReducesAccess } from '../../rate-limit/rate-limit.decorators';
import { ConsentResponseDto } from './consent.dto';
import { ConsentsService } from './consents.service';

@ApiTags('oauth-applications')
@Controller('oauth/consents')
export class ConsentsController {
  constructor(private readonly consents: ConsentsService) {}

  @Get()
  @RequireScopes('read:applications')
  @ApiOperation({
    summary: 'The applications you have authorized',
    description: 'One entry per application, with every scope you granted it.',
  })
  @ApiEnvelope(ConsentResponseDto, { isArray: true })
  listConsents(@CurrentPrincipal() caller: Principal): Promise<ConsentResponseDto[]> {
    return this.consents.list(caller);
  }

  @Delete(':clientId')
  @ReducesAccess()
  @HttpCode(HttpStatus.NO_CONTENT)
  @RequireScopes('delete:applications')
  @ApiOperation({
    summary: 'Withdraw your consent to an application',
    description: 'Its refresh tokens and codes are deleted and its access tokens refused at once, on every instance; it must ask again.',
  })
  @ApiParam({ name: 'clientId', example: 'app_3b9f…' })
  @ApiEnvelope(null, { status: HttpStatus.NO_CONTENT })
  @ApiErrors(404)
  async revokeConsent(
    @CurrentPrincipal() caller: Principal,
    @Param('clientId') clientId: string,
    @Audit() audit: AuditContext,
  ): Promise<void> {
    await this.consents.revoke(caller, clientId.slice(0, 64), audit);
  }
}
