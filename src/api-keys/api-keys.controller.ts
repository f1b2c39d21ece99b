import { Body, Controller, Delete, Get, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScopes } from '../access/auth.decorators';
import { Principal } from '../access/principal';
import { Envelope } from '../core/http/envelope';
import { ParseIdPipe } from '../core/http/parse-uuid.pipe';
import { ApiEnvelope, ApiErrors } from '../core/openapi/api-responses.decorator';
import { ApiKeysService } from './api-keys.service';
import { KeyIssuingService } from './key-issuing.service';
import { KeyLifecycleService } from './key-lifecycle.service';
import { RateLimitCost, ReducesAccess } from '../rate-limit/rate-limit.decorators';

/** Minting a key writes and hashes: it spends more of the caller's limit than a read. */
export const CREATE_KEY_COST = 5;
import { ApiKeyResponseDto, CreatedApiKeyResponseDto, RotatedApiKeyResponseDto } from './dto/api-key-response.dto';
import { CreateApiKeyDto, ListApiKeysQueryDto } from './dto/create-api-key.dto';
import { UpdateApiKeyDto } from './dto/update-api-key.dto';
import { Audit, AuditContext } from '../events/audit-context';
import { RotateApiKeyDto } from './dto/rotate-api-key.dto';
import { CurrentAccess, InOrganization, InProject, ResourceAccess } from '../access/resource.decorators';

export const KEY_CREATED_MESSAGE = 'API key created. Save it now - it cannot be retrieved again.';
export const KEY_ROTATED_MESSAGE = 'API key rotated. Save the new key now - it cannot be retrieved again.';
export const KEY_REVEALED_MESSAGE = 'Save it now - it cannot be retrieved again.';

@ApiTags('api-keys')
@Controller('keys')
export class ApiKeysController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly issuing: KeyIssuingService,
    private readonly lifecycle: KeyLifecycleService,
  ) {}

  @Post()
  @RequireScopes('write:keys')
  @InProject({ body: 'projectId', optional: true })
  @InOrganization({ body: 'organizationId', optional: true })
  @RateLimitCost(CREATE_KEY_COST)
  @ApiOperation({
    summary: 'Create an API key',
    description:
      'The key is in this response only. Scopes must be a subset of your own (inside an organization, of those your role there grants); omitted, the key gets all of them. A key minted with a key is its child: bound within its boundary, expiring no later, revoked with it.',
  })
  @ApiEnvelope(CreatedApiKeyResponseDto, { status: HttpStatus.CREATED, message: KEY_CREATED_MESSAGE })
  @ApiErrors(400, 413)
  async createKey(
    @CurrentPrincipal() caller: Principal,
    @Body() dto: CreateApiKeyDto,
    @Audit() audit: AuditContext,
    @CurrentAccess() access?: ResourceAccess,
  ): Promise<Envelope<CreatedApiKeyResponseDto>> {
    return new Envelope(await this.issuing.createKey(caller, dto, audit, access), KEY_CREATED_MESSAGE);
  }

  @Get()
  @RequireScopes('read:keys')
  @ApiOperation({
    summary: 'List your API keys',
    description: 'Newest first. Never includes the key or its hash. A bound key lists only the keys bound inside its boundary.',
  })
  @ApiEnvelope(ApiKeyResponseDto, { paginated: true })
  @ApiErrors(400)
  async listKeys(@CurrentPrincipal() caller: Principal, @Query() page: ListApiKeysQueryDto): Promise<Envelope<ApiKeyResponseDto[]>> {
    const { items, total } = await this.keys.listKeys(caller, page);
    return Envelope.page(items, page.meta(total));
  }

  @Get(':id')
  @RequireScopes('read:keys')
  @ApiOperation({ summary: 'Get one of your API keys' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(ApiKeyResponseDto)
  @ApiErrors(400, 404)
  getKey(@CurrentPrincipal() caller: Principal, @Param('id', ParseIdPipe) id: string): Promise<ApiKeyResponseDto> {
    return this.keys.getKey(caller, id);
  }

  @Patch(':id')
  @ReducesAccess((body) => body.isActive === false)
  @RequireScopes('write:keys')
  @ApiOperation({ summary: 'Rename, narrow the scopes of, (de)activate, or set the rotation policy of one of your keys' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(ApiKeyResponseDto)
  @ApiErrors(400, 404, 409)
  updateKey(
    @CurrentPrincipal() caller: Principal,
    @Param('id', ParseIdPipe) id: string,
    @Body() dto: UpdateApiKeyDto,
    @Audit() audit: AuditContext,
  ): Promise<ApiKeyResponseDto> {
    return this.keys.updateKey(caller, id, dto, audit);
  }

  @Post(':id/rotate')
  @RequireScopes('write:keys')
  @RateLimitCost(CREATE_KEY_COST)
  @ApiOperation({
    summary: 'Rotate one of your keys',
    description:
      'Returns a successor (same name, scopes, limits, quota, rotation policy) once. The old key keeps working for the grace period, then answers 401 api_key_rotated. A key can be rotated once (409 after). An API key rotates, changes, reveals or revokes only keys no wider than itself (403 insufficient_scope naming the rest), and a delegated key only itself and the keys minted from it (403 forbidden).',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(RotatedApiKeyResponseDto, { status: HttpStatus.CREATED, message: KEY_ROTATED_MESSAGE })
  @ApiErrors(400, 404, 409)
  async rotateKey(
    @CurrentPrincipal() caller: Principal,
    @Param('id', ParseIdPipe) id: string,
    @Body() dto: RotateApiKeyDto,
    @Audit() audit: AuditContext,
  ): Promise<Envelope<RotatedApiKeyResponseDto>> {
    return new Envelope(await this.lifecycle.rotateKey(caller, id, dto, audit), KEY_ROTATED_MESSAGE);
  }

  @Post(':id/reveal')
  @RequireScopes('write:keys')
  @ApiOperation({
    summary: 'Fetch a key the rotation scheduler issued, once',
    description:
      'For the successor of a scheduled rotation (revealPending: true; the key.rotated webhook carries this path). Returns the key once; after that, for a key with nothing to reveal, or for someone else’s key: 404.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(CreatedApiKeyResponseDto, { message: KEY_REVEALED_MESSAGE })
  @ApiErrors(400, 404, 409)
  async revealKey(
    @CurrentPrincipal() caller: Principal,
    @Param('id', ParseIdPipe) id: string,
    @Audit() audit: AuditContext,
  ): Promise<Envelope<CreatedApiKeyResponseDto>> {
    return new Envelope(await this.lifecycle.revealKey(caller, id, audit), KEY_REVEALED_MESSAGE);
  }

  @Delete(':id')
  @ReducesAccess()
  @RequireScopes('delete:keys')
  @ApiOperation({
    summary: 'Revoke one of your keys',
    description:
      'Permanent and idempotent: the key answers 401 api_key_revoked from now on, and so does every key minted from it (delegation), at any depth.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(ApiKeyResponseDto, { message: 'API key revoked' })
  @ApiErrors(400, 404)
  async revokeKey(
    @CurrentPrincipal() caller: Principal,
    @Param('id', ParseIdPipe) id: string,
    @Audit() audit: AuditContext,
  ): Promise<Envelope<ApiKeyResponseDto>> {
    return new Envelope(await this.lifecycle.revokeKey(caller, id, audit), 'API key revoked');
  }
}
