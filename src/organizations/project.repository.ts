import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { orderBy } from '../core/dto/sort';
import { OrganizationMemberEntity } from './entities/organization-member.entity';
import { ProjectEntity } from './entities/project.entity';
import { ListPage } from './organization.repository';

const SORT_COLUMNS = { name: 'project.name', createdAt: 'project.createdAt', updatedAt: 'project.updatedAt' };

/** Which projects a list holds; every given condition applies. */
export interface ProjectFilter {
  organizationId?: string;
  /** Only projects of organisations this user is a member of. */
  memberId?: string;
  projectId?: string;
}

export type NewProject = Pick<ProjectEntity, 'organizationId' | 'name' | 'description'>;

/**
 * The projects table's queries, each bounded by the organisation the project belongs to. Each
 * method takes the caller's EntityManager to run inside its transaction.
 */
@Injectable()
export class ProjectRepository {
  constructor(@InjectRepository(ProjectEntity) private readonly repository: Repository<ProjectEntity>) {}

  /** Rejects with a unique violation when the organisation has a project of that name. */
  create(project: NewProject, manager?: EntityManager): Promise<ProjectEntity> {
    const projects = this.on(manager);
    return projects.save(projects.create(project));
  }

  /** The organisation a project belongs to; null when there is no such project. */
  async organizationOf(id: string): Promise<string | null> {
    const project = await this.repository.findOne({ where: { id }, select: { id: true, organizationId: true } });
    return project?.organizationId ?? null;
  }

  getInOrganization(id: string, organizationId: string, manager?: EntityManager): Promise<ProjectEntity | null> {
    return this.on(manager).findOne({ where: { id, organizationId } });
  }

  /** Locks the row for the rest of `manager`'s transaction. */
  getInOrganizationForUpdate(id: string, organizationId: string, manager: EntityManager): Promise<ProjectEntity | null> {
    return this.on(manager).findOne({ where: { id, organizationId }, lock: { mode: 'pessimistic_write' } });
  }

  async list(filter: ProjectFilter, page: ListPage): Promise<{ items: ProjectEntity[]; total: number }> {
    const builder = this.repository.createQueryBuilder('project');
    if (filter.organizationId) builder.andWhere('project.organizationId = :organizationId', { organizationId: filter.organizationId });
    if (filter.memberId) {
      builder.innerJoin(OrganizationMemberEntity, 'member', 'member.organizationId = project.organizationId AND member.userId = :userId', {
        userId: filter.memberId,
      });
    }
    if (filter.projectId) builder.andWhere('project.id = :projectId', { projectId: filter.projectId });
    const [items, total] = await builder
      .orderBy(orderBy(page.sort, SORT_COLUMNS, 'project.id'))
      .skip(page.skip)
      .take(page.take)
      .getManyAndCount();
    return { items, total };
  }

  /** Rejects with a unique violation when a rename takes a name the organisation already uses. */
  save(project: ProjectEntity, manager?: EntityManager): Promise<ProjectEntity> {
    return this.on(manager).save(project);
  }

  async delete(id: string, manager?: EntityManager): Promise<void> {
    await this.on(manager).delete({ id });
  }

  private on(manager?: EntityManager): Repository<ProjectEntity> {
    return manager ? manager.getRepository(ProjectEntity) : this.repository;
  }
}
