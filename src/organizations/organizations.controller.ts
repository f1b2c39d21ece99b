import { Body, Controller, Delete, Get, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Audit, AuditContext } from '../events/audit-context';
import { CurrentPrincipal, RequireScopes } from '../access/auth.decorators';
import { Principal } from '../access/principal';
import { PaginationQueryDto } from '../core/dto/pagination-query.dto';
import { Envelope } from '../core/http/envelope';
import { ParseUserIdPipe } from '../core/http/parse-uuid.pipe';
import { ApiEnvelope, ApiErrors } from '../core/openapi/api-responses.decorator';
import {
  AddMemberDto,
  CreateOrganizationDto,
  MemberResponseDto,
  OrganizationListQueryDto,
  OrganizationResponseDto,
  UpdateMemberDto,
  UpdateOrganizationDto,
} from './dto/organization.dto';
import { OrganizationsService } from './organizations.service';
import { CurrentAccess, InOrganization, RequireUnbound, ResourceAccess } from '../access/resource.decorators';

/**
 * Organisations and their members. Every rule of who may do what is a decorator: the scope a
 * credential needs (`@RequireScopes`), the organisation a route acts in (`@InOrganization`, where
 * the caller's role must grant the same scope), and routes closed to bound keys (`@RequireUnbound`).
 */
@ApiTags('organizations')
@Controller('v1/organizations')
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Post()
  @RequireScopes('write:organizations')
  @RequireUnbound()
  @ApiOperation({ summary: 'Create an organization', description: 'You become its owner.' })
  @ApiEnvelope(OrganizationResponseDto, { status: HttpStatus.CREATED })
  @ApiErrors(400)
  createOrganization(
    @CurrentPrincipal() caller: Principal,
    @Body() dto: CreateOrganizationDto,
    @Audit() audit: AuditContext,
  ): Promise<OrganizationResponseDto> {
    return this.organizations.create(caller, dto, audit);
  }

  @Get()
  @RequireScopes('read:organizations')
  @ApiOperation({
    summary: 'List your organizations',
    description: 'The organizations you belong to (platform admins: all). A key bound to an organization sees only it; a project key none.',
  })
  @ApiEnvelope(OrganizationResponseDto, { paginated: true })
  @ApiErrors(400)
  async listOrganizations(
    @CurrentPrincipal() caller: Principal,
    @Query() query: OrganizationListQueryDto,
  ): Promise<Envelope<OrganizationResponseDto[]>> {
    const { items, total } = await this.organizations.list(caller, query);
    return Envelope.page(items, query.meta(total));
  }

  @Get(':id')
  @RequireScopes('read:organizations')
  @InOrganization({ param: 'id' })
  @ApiOperation({ summary: 'Get an organization' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(OrganizationResponseDto)
  @ApiErrors(400)
  getOrganization(@CurrentAccess() access: ResourceAccess): Promise<OrganizationResponseDto> {
    return this.organizations.get(access);
  }

  @Patch(':id')
  @RequireScopes('write:organizations')
  @InOrganization({ param: 'id' })
  @ApiOperation({ summary: 'Rename an organization', description: 'Owners and admins.' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(OrganizationResponseDto)
  @ApiErrors(400)
  updateOrganization(
    @CurrentAccess() access: ResourceAccess,
    @Body() dto: UpdateOrganizationDto,
    @Audit() audit: AuditContext,
  ): Promise<OrganizationResponseDto> {
    return this.organizations.update(access, dto, audit);
  }

  @Delete(':id')
  @RequireScopes('delete:organizations')
  @InOrganization({ param: 'id' })
  @ApiOperation({
    summary: 'Delete an organization',
    description: 'Owners only. Deletes its projects, memberships and every key bound to it; those keys answer 401 from then on.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(null, { message: 'Organization deleted' })
  @ApiErrors(400)
  async deleteOrganization(@CurrentAccess() access: ResourceAccess, @Audit() audit: AuditContext): Promise<Envelope<null>> {
    await this.organizations.delete(access, audit);
    return new Envelope(null, 'Organization deleted');
  }

  @Get(':id/members')
  @RequireScopes('read:organizations')
  @InOrganization({ param: 'id' })
  @ApiOperation({ summary: 'List the members of an organization', description: 'Oldest first.' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(MemberResponseDto, { paginated: true })
  @ApiErrors(400)
  async listMembers(@CurrentAccess() access: ResourceAccess, @Query() page: PaginationQueryDto): Promise<Envelope<MemberResponseDto[]>> {
    const { items, total } = await this.organizations.listMembers(access, page);
    return Envelope.page(items, page.meta(total));
  }

  @Post(':id/members')
  @RequireScopes('write:organizations')
  @InOrganization({ param: 'id' })
  @ApiOperation({ summary: 'Add a member', description: 'Owners and admins; only owners grant owner. 409 if already a member.' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(MemberResponseDto, { status: HttpStatus.CREATED })
  @ApiErrors(400, 409)
  addMember(@CurrentAccess() access: ResourceAccess, @Body() dto: AddMemberDto, @Audit() audit: AuditContext): Promise<MemberResponseDto> {
    return this.organizations.addMember(access, dto, audit);
  }

  @Patch(':id/members/:userId')
  @RequireScopes('write:organizations')
  @InOrganization({ param: 'id' })
  @ApiOperation({
    summary: "Change a member's role",
    description: 'Only owners change or grant owner; the last owner cannot be demoted (409). The member’s keys bound here narrow at once.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'userId', format: 'uuid' })
  @ApiEnvelope(MemberResponseDto)
  @ApiErrors(400, 409)
  updateMember(
    @CurrentAccess() access: ResourceAccess,
    @Param('userId', ParseUserIdPipe) userId: string,
    @Body() dto: UpdateMemberDto,
    @Audit() audit: AuditContext,
  ): Promise<MemberResponseDto> {
    return this.organizations.updateMember(access, userId, dto, audit);
  }

  @Delete(':id/members/:userId')
  @RequireScopes('write:organizations')
  @InOrganization({ param: 'id' })
  @ApiOperation({
    summary: 'Remove a member',
    description: 'Only owners remove owners; the last owner cannot be removed (409). The member’s keys bound here lose every scope.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'userId', format: 'uuid' })
  @ApiEnvelope(null, { message: 'Member removed' })
  @ApiErrors(400, 409)
  async removeMember(
    @CurrentAccess() access: ResourceAccess,
    @Param('userId', ParseUserIdPipe) userId: string,
    @Audit() audit: AuditContext,
  ): Promise<Envelope<null>> {
    await this.organizations.removeMember(access, userId, audit);
    return new Envelope(null, 'Member removed');
  }

  @Post(':id/leave')
  @RequireScopes('read:organizations')
  @RequireUnbound()
  @InOrganization({ param: 'id' })
  @ApiOperation({ summary: 'Leave an organization', description: 'Any member; the last owner cannot leave (409).' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(null, { message: 'You left the organization' })
  @ApiErrors(400, 409)
  async leaveOrganization(
    @CurrentPrincipal() caller: Principal,
    @CurrentAccess() access: ResourceAccess,
    @Audit() audit: AuditContext,
  ): Promise<Envelope<null>> {
    await this.organizations.removeMember(access, caller.userId, audit, true);
    return new Envelope(null, 'You left the organization');
  }
}
