import { Body, Controller, Delete, Get, Param, Patch, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AdminApiKeyResponseDto } from '../api-keys/dto/api-key-response.dto';
import { KeyAdministration } from '../api-keys/key-administration.service';
import { Authenticated } from '../access/auth.decorators';
import { UserResponseDto } from '../auth/dto/auth-response.dto';
import { Envelope, PageMeta } from '../core/http/envelope';
import { ParseIdPipe } from '../core/http/parse-uuid.pipe';
import { ApiEnvelope, ApiErrors } from '../core/openapi/api-responses.decorator';
import { AdminService } from './admin.service';
import { Audit, AuditContext } from '../events/audit-context';
import { AdminKeysQueryDto, AdminUsersQueryDto, SetKeyActiveDto, UpdateUserDto } from './dto/admin.dto';
import { ReducesAccess } from '../rate-limit/rate-limit.decorators';

@ApiTags('admin')
@Controller('admin')
@Authenticated({ roles: ['admin'], scopes: ['admin:all'] })
export class AdminController {
  constructor(
    private readonly admin: AdminService,
    private readonly keys: KeyAdministration,
  ) {}

  @Get('api-keys')
  @ApiOperation({
    summary: 'Every API key, with its owner',
    description:
      'Newest first. `meta` adds `nextCursor` (null on the last page): pass it as `cursor` to read the next page ' +
      'without an offset (deep pages stay fast; `page` is then ignored). `isActive=true` is `status=active`.',
  })
  @ApiEnvelope(AdminApiKeyResponseDto, { paginated: true })
  @ApiErrors(400)
  async listAllKeys(@Query() query: AdminKeysQueryDto): Promise<Envelope<AdminApiKeyResponseDto[]>> {
    const { items, total, nextCursor } = await this.keys.listKeys(query);
    const meta: PageMeta & { nextCursor: string | null } = { ...query.meta(total), nextCursor };
    return Envelope.page(items, meta);
  }

  @Put('api-keys/:id')
  @ReducesAccess((body) => body.isActive === false)
  @ApiOperation({ summary: 'Deactivate or reactivate any key' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(AdminApiKeyResponseDto)
  @ApiErrors(400, 404)
  setKeyActive(
    @Param('id', ParseIdPipe) id: string,
    @Body() dto: SetKeyActiveDto,
    @Audit() audit: AuditContext,
  ): Promise<AdminApiKeyResponseDto> {
    return this.keys.setKeyActive(id, dto.isActive, audit);
  }

  @Delete('api-keys/:id')
  @ReducesAccess()
  @ApiOperation({ summary: 'Delete any key', description: 'The key row is removed; the key answers 401 invalid_api_key from now on.' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(null, { message: 'API key deleted' })
  @ApiErrors(400, 404)
  async deleteKey(@Param('id', ParseIdPipe) id: string, @Audit() audit: AuditContext): Promise<Envelope<null>> {
    await this.keys.deleteKey(id, audit);
    return new Envelope(null, 'API key deleted');
  }

  @Get('users')
  @ApiOperation({ summary: 'Every user' })
  @ApiEnvelope(UserResponseDto, { paginated: true })
  @ApiErrors(400)
  async listUsers(@Query() query: AdminUsersQueryDto): Promise<Envelope<UserResponseDto[]>> {
    const { items, total } = await this.admin.listUsers(query);
    return Envelope.page(items, query.meta(total));
  }

  @Patch('users/:id')
  @ReducesAccess((body) => body.isActive === false)
  @ApiOperation({
    summary: 'Change a user’s role or lock them out',
    description: 'Applies on the user’s next request. The last active admin cannot be demoted or deactivated (409).',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(UserResponseDto)
  @ApiErrors(400, 404, 409)
  updateUser(@Param('id', ParseIdPipe) id: string, @Body() dto: UpdateUserDto, @Audit() audit: AuditContext): Promise<UserResponseDto> {
    return this.admin.updateUser(id, dto, audit);
  }
}
