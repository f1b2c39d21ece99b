import { Injectable } from '@nestjs/common';
import { BoundKeys } from './bound-keys';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditContext } from '../events/audit-context';
import { AuditRecorder, diff } from '../events/audit-recorder';
import { Principal } from '../access/principal';
import { isUniqueViolation } from '../core/errors/database-errors';
import { conflict, notFound } from '../core/errors/app.exception';
import { Page } from '../core/http/page';
import { CreateProjectDto, ProjectListQueryDto, ProjectResponseDto, UpdateProjectDto } from './dto/project.dto';
import { ProjectEntity } from './entities/project.entity';
import { ProjectRepository } from './project.repository';
import { ResourceAccess } from '../access/resource.decorators';

const NAME_TAKEN = 'A project with this name already exists in the organization';

/** Projects of organisations. Access (membership, binding, role scopes) is settled by the OrganizationAccessGuard. */
@Injectable()
export class ProjectsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly projects: ProjectRepository,
    private readonly audit: AuditRecorder,
    private readonly boundKeys: BoundKeys,
  ) {}

  async create(access: ResourceAccess, dto: CreateProjectDto, audit: AuditContext): Promise<ProjectResponseDto> {
    const project = await this.dataSource
      .transaction(async (manager) => {
        const created = await this.projects.create(
          { organizationId: access.organizationId, name: dto.name, description: dto.description ?? null },
          manager,
        );
        await this.audit.record(manager, audit, {
          action: 'project.created',
          targetType: 'project',
          targetId: created.id,
          changes: { organizationId: { from: null, to: created.organizationId }, name: { from: null, to: created.name } },
        });
        return created;
      })
      .catch(rethrowNameTaken);
    return toProjectResponse(project);
  }

  /**
   * The projects the caller can see: of one organisation (`access`, checked by the guard), or of
   * every organisation it belongs to (platform admins: all); always within its credential's binding.
   */
  async list(caller: Principal, query: ProjectListQueryDto, access?: ResourceAccess): Promise<Page<ProjectResponseDto>> {
    const organizationId = access?.organizationId ?? caller.organizationId ?? undefined;
    const { items, total } = await this.projects.list(
      {
        organizationId,
        memberId: !organizationId && caller.role !== 'admin' ? caller.userId : undefined,
        projectId: caller.projectId ?? undefined,
      },
      { sort: query.sort, skip: query.skip, take: query.limit },
    );
    return { items: items.map(toProjectResponse), total };
  }

  async get(access: ResourceAccess): Promise<ProjectResponseDto> {
    return toProjectResponse(found(await this.projects.getInOrganization(access.projectId as string, access.organizationId)));
  }

  async update(access: ResourceAccess, dto: UpdateProjectDto, audit: AuditContext): Promise<ProjectResponseDto> {
    const saved = await this.dataSource
      .transaction(async (manager) => {
        const project = await this.lock(manager, access);
        const before = { ...project };
        if (dto.name !== undefined) project.name = dto.name;
        if (dto.description !== undefined) project.description = dto.description;
        const after = await this.projects.save(project, manager);
        const changes = diff(before, after, ['name', 'description']);
        if (changes)
          await this.audit.record(manager, audit, { action: 'project.updated', targetType: 'project', targetId: after.id, changes });
        return after;
      })
      .catch(rethrowNameTaken);
    return toProjectResponse(saved);
  }

  /** Deletes the project and every key bound to it. */
  async delete(access: ResourceAccess, audit: AuditContext): Promise<void> {
    const keys = await this.dataSource.transaction(async (manager) => {
      const project = await this.lock(manager, access);
      const bound = await this.boundKeys.collect(manager, { projectId: project.id });
      await this.projects.delete(project.id, manager);
      await this.audit.record(manager, audit, {
        action: 'project.deleted',
        targetType: 'project',
        targetId: project.id,
        changes: { name: { from: project.name, to: null }, deletedKeys: { from: bound.count, to: 0 } },
      });
      return bound;
    });
    keys.afterCommit();
  }

  /** The project `access` names, locked for the rest of the transaction. */
  private async lock(manager: EntityManager, access: ResourceAccess): Promise<ProjectEntity> {
    return found(await this.projects.getInOrganizationForUpdate(access.projectId as string, access.organizationId, manager));
  }
}

function found(project: ProjectEntity | null): ProjectEntity {
  if (!project) throw notFound('Project');
  return project;
}

function rethrowNameTaken(error: unknown): never {
  throw isUniqueViolation(error) ? conflict(NAME_TAKEN) : error;
}

function toProjectResponse(project: ProjectEntity): ProjectResponseDto {
  return {
    id: project.id,
    organizationId: project.organizationId,
    name: project.name,
    description: project.description,
    createdAt: project.createdAt.toISOString(),
    updatedAt: project.updatedAt.toISOString(),
  };
}
