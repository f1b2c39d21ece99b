import { Body, Controller, Delete, Get, HttpStatus, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Audit, AuditContext } from '../events/audit-context';
import { CurrentPrincipal, RequireScopes } from '../access/auth.decorators';
import { Principal } from '../access/principal';
import { Envelope } from '../core/http/envelope';
import { ApiEnvelope, ApiErrors } from '../core/openapi/api-responses.decorator';
import { CreateProjectDto, ProjectListQueryDto, ProjectResponseDto, UpdateProjectDto } from './dto/project.dto';
import { ProjectsService } from './projects.service';
import { CurrentAccess, InOrganization, InProject, ResourceAccess } from '../access/resource.decorators';

/**
 * Projects: the protected resource integrators reach with scoped keys. Who may do what is declared
 * by decorators only: the scope (`@RequireScopes`, which the caller's role in the organisation
 * must also grant) and the organisation or project the route acts in (`@InOrganization`,
 * `@InProject`), so a key bound to one project cannot see another (404).
 */
@ApiTags('projects')
@Controller('v1/projects')
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Post()
  @RequireScopes('write:projects')
  @InOrganization({ body: 'organizationId' })
  @ApiOperation({
    summary: 'Create a project',
    description: 'Owners and admins of the organization. Names are unique per organization (409).',
  })
  @ApiEnvelope(ProjectResponseDto, { status: HttpStatus.CREATED })
  @ApiErrors(400, 409)
  createProject(
    @CurrentAccess() access: ResourceAccess,
    @Body() dto: CreateProjectDto,
    @Audit() audit: AuditContext,
  ): Promise<ProjectResponseDto> {
    return this.projects.create(access, dto, audit);
  }

  @Get()
  @RequireScopes('read:projects')
  @InOrganization({ query: 'organizationId', optional: true })
  @ApiOperation({
    summary: 'List projects',
    description:
      'The projects of your organizations (platform admins: all), or of one with ?organizationId. A key bound to an organization sees its projects; a project key only its project.',
  })
  @ApiEnvelope(ProjectResponseDto, { paginated: true })
  @ApiErrors(400)
  async listProjects(
    @CurrentPrincipal() caller: Principal,
    @Query() query: ProjectListQueryDto,
    @CurrentAccess() access?: ResourceAccess,
  ): Promise<Envelope<ProjectResponseDto[]>> {
    const { items, total } = await this.projects.list(caller, query, access);
    return Envelope.page(items, query.meta(total));
  }

  @Get(':id')
  @RequireScopes('read:projects')
  @InProject({ param: 'id' })
  @ApiOperation({ summary: 'Get a project' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(ProjectResponseDto)
  @ApiErrors(400)
  getProject(@CurrentAccess() access: ResourceAccess): Promise<ProjectResponseDto> {
    return this.projects.get(access);
  }

  @Patch(':id')
  @RequireScopes('write:projects')
  @InProject({ param: 'id' })
  @ApiOperation({ summary: 'Rename or describe a project', description: 'Owners and admins of its organization.' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(ProjectResponseDto)
  @ApiErrors(400, 409)
  updateProject(
    @CurrentAccess() access: ResourceAccess,
    @Body() dto: UpdateProjectDto,
    @Audit() audit: AuditContext,
  ): Promise<ProjectResponseDto> {
    return this.projects.update(access, dto, audit);
  }

  @Delete(':id')
  @RequireScopes('delete:projects')
  @InProject({ param: 'id' })
  @ApiOperation({
    summary: 'Delete a project',
    description: 'Owners and admins of its organization. Every key bound to the project is deleted with it and answers 401 from then on.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(null, { message: 'Project deleted' })
  @ApiErrors(400)
  async deleteProject(@CurrentAccess() access: ResourceAccess, @Audit() audit: AuditContext): Promise<Envelope<null>> {
    await this.projects.delete(access, audit);
    return new Envelope(null, 'Project deleted');
  }
}
