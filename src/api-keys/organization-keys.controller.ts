import { Controller, Delete, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { OrganizationKeysService } from './organization-keys.service';
import { ListApiKeysQueryDto } from './dto/create-api-key.dto';
import { AdminApiKeyResponseDto } from './dto/api-key-response.dto';
import { Audit, AuditContext } from '../events/audit-context';
import { CurrentPrincipal, RequireScopes } from '../access/auth.decorators';
import { Principal } from '../access/principal';
import { Envelope } from '../core/http/envelope';
import { ParseKeyIdPipe } from '../core/http/parse-uuid.pipe';
import { ApiEnvelope, ApiErrors } from '../core/openapi/api-responses.decorator';
import { CurrentAccess, InOrganization, ResourceAccess } from '../access/resource.decorators';
import { ReducesAccess } from '../rate-limit/rate-limit.decorators';

/**
 * Every key bound to an organisation, whoever minted it, for the organisation's owners and admins
 * (`admin:keys`, which only those roles grant there): to see what can reach the organisation, and
 * to revoke a key a former member left behind.
 */
@ApiTags('organizations')
@Controller('v1/organizations/:id/keys')
export class OrganizationKeysController {
  constructor(private readonly keys: OrganizationKeysService) {}

  @Get()
  @RequireScopes('admin:keys')
  @InOrganization({ param: 'id' })
  @ApiOperation({
    summary: 'List every key bound to an organization',
    description: 'Owners and admins. Newest first, with each key’s owner; `?projectId=` narrows to one project. Never the key or its hash.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(AdminApiKeyResponseDto, { paginated: true })
  @ApiErrors(400)
  async listOrganizationKeys(
    @CurrentAccess() access: ResourceAccess,
    @Query() query: ListApiKeysQueryDto,
  ): Promise<Envelope<AdminApiKeyResponseDto[]>> {
    const { items, total } = await this.keys.listOrganizationKeys(access, query);
    return Envelope.page(items, query.meta(total));
  }

  @Delete(':keyId')
  @ReducesAccess()
  @RequireScopes('admin:keys')
  @InOrganization({ param: 'id' })
  @ApiOperation({
    summary: 'Revoke any key bound to an organization',
    description: 'Owners and admins. Permanent and idempotent; the keys it minted are revoked with it. A key bound elsewhere is a 404.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'keyId', format: 'uuid' })
  @ApiEnvelope(AdminApiKeyResponseDto, { message: 'API key revoked' })
  @ApiErrors(400)
  async revokeOrganizationKey(
    @CurrentPrincipal() caller: Principal,
    @CurrentAccess() access: ResourceAccess,
    @Param('keyId', ParseKeyIdPipe) keyId: string,
    @Audit() audit: AuditContext,
  ): Promise<Envelope<AdminApiKeyResponseDto>> {
    return new Envelope(await this.keys.revokeOrganizationKey(caller, access, keyId, audit), 'API key revoked');
  }
}
