import { Injectable } from '@nestjs/common';
import { BoundKeys } from './bound-keys';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditContext } from '../events/audit-context';
import { AuditRecorder, diff } from '../events/audit-recorder';
import { Principal } from '../access/principal';
import { orderBy } from '../core/dto/sort';
import { isUniqueViolation } from '../core/errors/database-errors';
import { conflict, notFound } from '../core/errors/app.exception';
import { Page } from '../core/http/page';
import { CreateProjectDto, ProjectListQueryDto, ProjectResponseDto, UpdateProjectDto } from './dto/project.dto';
import { OrganizationMemberEntity } from './entities/organization-member.entity';
import { ProjectEntity } from './entities/project.entity';
import { ResourceAccess } from '../access/resource.decorators';

const SORT_COLUMNS = { name: 'project.name', createdAt: 'project.createdAt', updatedAt: 'project.updatedAt' };
const NAME_TAKEN = 'A project with this name already exists in the organization';

/** Projects of organisations. Access (membership, binding, role scopes) is settled by the ScopesGuard. */
@Injectable()
export class ProjectsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditRecorder,
    private readonly boundKeys: BoundKeys,
  ) {}

  async create(access: ResourceAccess, dto: CreateProjectDto, audit: AuditContext): Promise<ProjectResponseDto> {
    const project = await this.dataSource
      .transaction(async (manager) => {
        const created = await manager.save(
          manager.create(ProjectEntity, { organizationId: access.organizationId, name: dto.name, description: dto.description ?? null }),
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
    const builder = this.dataSource.getRepository(ProjectEntity).createQueryBuilder('project');
    if (access) {
      builder.where('project.organizationId = :organizationId', { organizationId: access.organizationId });
    } else if (caller.organizationId) {
      builder.where('project.organizationId = :organizationId', { organizationId: caller.organizationId });
    } else if (caller.role !== 'admin') {
      builder.innerJoin(OrganizationMemberEntity, 'member', 'member.organizationId = project.organizationId AND member.userId = :userId', {
        userId: caller.userId,
      });
    }
    if (caller.projectId) builder.andWhere('project.id = :projectId', { projectId: caller.projectId });
    const [rows, total] = await builder
      .orderBy(orderBy(query.sort, SORT_COLUMNS, 'project.id'))
      .skip(query.skip)
      .take(query.limit)
      .getManyAndCount();
    return { items: rows.map(toProjectResponse), total };
  }

  async get(access: ResourceAccess): Promise<ProjectResponseDto> {
    return toProjectResponse(await this.find(this.dataSource.manager, access));
  }

  async update(access: ResourceAccess, dto: UpdateProjectDto, audit: AuditContext): Promise<ProjectResponseDto> {
    const saved = await this.dataSource
      .transaction(async (manager) => {
        const project = await this.find(manager, access, true);
        const before = { ...project };
        if (dto.name !== undefined) project.name = dto.name;
        if (dto.description !== undefined) project.description = dto.description;
        const after = await manager.save(project);
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
      const project = await this.find(manager, access, true);
      const bound = await this.boundKeys.collect(manager, { projectId: project.id });
      await manager.delete(ProjectEntity, { id: project.id });
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

  private async find(manager: EntityManager, access: ResourceAccess, lock = false): Promise<ProjectEntity> {
    const project = await manager.findOne(ProjectEntity, {
      where: { id: access.projectId as string, organizationId: access.organizationId },
      ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!project) throw notFound('Project');
    return project;
  }
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
