import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { CurrentPrincipal, RequireScopes } from '../../access/auth.decorators';
import { Principal } from '../../access/principal';
import { Envelope } from '../../core/http/envelope';
import { ParseIdPipe } from '../../core/http/parse-uuid.pipe';
import { ApiEnvelope, ApiErrors } from '../../core/openapi/api-responses.decorator';
import { Audit, AuditContext } from '../../events/audit-context';
import { ReducesAccess } from '../../rate-limit/rate-limit.decorators';
import {
  ApplicationResponseDto,
  CreateApplicationDto,
  CreatedApplicationResponseDto,
  RotateApplicationSecretDto,
  UpdateApplicationDto,
} from './dto/application.dto';
import { OAuthApplicationsService } from './oauth-applications.service';

export const APPLICATION_CREATED_MESSAGE = 'Application registered. Save the client secret now - it cannot be retrieved again.';
export const SECRET_ROTATED_MESSAGE = 'Client secret rotated. Save it now - it cannot be retrieved again.';

export class ListApplicationsQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: "An organisation's applications (you must own or administer it)" })
  @IsOptional()
  @IsUUID()
  organizationId?: string;
}

@ApiTags('oauth-applications')
@Controller('oauth/applications')
export class OAuthApplicationsController {
  constructor(private readonly applications: OAuthApplicationsService) {}

  @Post()
  @RequireScopes('write:applications')
  @ApiOperation({
    summary: 'Register an OAuth application',
    description:
      'A web or native app (authorization_code, optionally refresh_token) or a machine (client_credentials). The client secret is in this response only, stored hashed; public (`none`), private_key_jwt and tls clients have none. With OAUTH_DYNAMIC_REGISTRATION=true the same registration is also open to OAuth clients at `POST /oauth/register` (RFC 7591 metadata and errors, the same credential and rules; README "Dynamic client registration").',
  })
  @ApiEnvelope(CreatedApplicationResponseDto, { status: HttpStatus.CREATED, message: APPLICATION_CREATED_MESSAGE })
  @ApiErrors(400, 403, 404, 413)
  async createApplication(
    @CurrentPrincipal() caller: Principal,
    @Body() dto: CreateApplicationDto,
    @Audit() audit: AuditContext,
  ): Promise<Envelope<CreatedApplicationResponseDto>> {
    return new Envelope(await this.applications.create(caller, dto, audit), APPLICATION_CREATED_MESSAGE);
  }

  @Get()
  @RequireScopes('read:applications')
  @ApiOperation({
    summary: 'List your OAuth applications (or an organisation’s)',
    description: 'Newest first, at most 200. Never includes a secret.',
  })
  @ApiEnvelope(ApplicationResponseDto, { isArray: true })
  @ApiErrors(400, 403, 404)
  listApplications(@CurrentPrincipal() caller: Principal, @Query() query: ListApplicationsQueryDto): Promise<ApplicationResponseDto[]> {
    return this.applications.list(caller, query.organizationId);
  }

  @Get(':id')
  @RequireScopes('read:applications')
  @ApiOperation({ summary: 'Get one of your OAuth applications' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(ApplicationResponseDto)
  @ApiErrors(400, 404)
  getApplication(@CurrentPrincipal() caller: Principal, @Param('id', ParseIdPipe) id: string): Promise<ApplicationResponseDto> {
    return this.applications.get(caller, id);
  }

  @Patch(':id')
  @ReducesAccess()
  @RequireScopes('write:applications')
  @ApiOperation({
    summary: 'Change an OAuth application',
    description: 'Narrowed scopes apply to its existing tokens at once. 409 once revoked.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(ApplicationResponseDto)
  @ApiErrors(400, 404, 409)
  updateApplication(
    @CurrentPrincipal() caller: Principal,
    @Param('id', ParseIdPipe) id: string,
    @Body() dto: UpdateApplicationDto,
    @Audit() audit: AuditContext,
  ): Promise<ApplicationResponseDto> {
    return this.applications.update(caller, id, dto, audit);
  }

  @Post(':id/rotate-secret')
  @HttpCode(HttpStatus.OK)
  @RequireScopes('write:applications')
  @ApiOperation({
    summary: 'Rotate the client secret',
    description:
      'The new secret is in this response only; the previous one keeps working for gracePeriodSeconds (default 3600, 0: not at all).',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(CreatedApplicationResponseDto, { message: SECRET_ROTATED_MESSAGE })
  @ApiErrors(400, 404, 409)
  async rotateApplicationSecret(
    @CurrentPrincipal() caller: Principal,
    @Param('id', ParseIdPipe) id: string,
    @Body() dto: RotateApplicationSecretDto,
    @Audit() audit: AuditContext,
  ): Promise<Envelope<CreatedApplicationResponseDto>> {
    return new Envelope(await this.applications.rotateSecret(caller, id, dto, audit), SECRET_ROTATED_MESSAGE);
  }

  @Delete(':id')
  @ReducesAccess()
  @HttpCode(HttpStatus.NO_CONTENT)
  @RequireScopes('delete:applications')
  @ApiOperation({
    summary: 'Revoke an OAuth application',
    description: 'Permanent: it authenticates nothing from now on and every token it holds is refused, on every instance within a second.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(null, { status: HttpStatus.NO_CONTENT })
  @ApiErrors(400, 404, 409)
  async revokeApplication(
    @CurrentPrincipal() caller: Principal,
    @Param('id', ParseIdPipe) id: string,
    @Audit() audit: AuditContext,
  ): Promise<void> {
    await this.applications.revoke(caller, id, audit);
  }
}
