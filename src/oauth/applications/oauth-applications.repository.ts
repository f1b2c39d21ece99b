import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { OAuthApplicationEntity } from './oauth-application.entity';

/** The most applications one list answers (a user registers a handful; this bounds the response). */
export const MAX_APPLICATIONS_LISTED = 200;

/** The one place the `oauth_applications` table is queried. */
@Injectable()
export class OAuthApplicationsRepository {
  constructor(@InjectRepository(OAuthApplicationEntity) private readonly applications: Repository<OAuthApplicationEntity>) {}

  /** The application a client ID names, revoked or not (callers decide what a revoked one means). */
  findByClientId(clientId: string): Promise<OAuthApplicationEntity | null> {
    return this.applications.findOne({ where: { clientId } });
  }

  /** A user's own applications (organizationId null), or an organisation's, newest first. */
  list(filter: { ownerId: string } | { organizationId: string }): Promise<OAuthApplicationEntity[]> {
    const builder = this.applications.createQueryBuilder('app').orderBy('app.createdAt', 'DESC').addOrderBy('app.id', 'ASC');
    if ('ownerId' in filter) builder.where('app.ownerId = :ownerId AND app.organizationId IS NULL', { ownerId: filter.ownerId });
    else builder.where('app.organizationId = :organizationId', { organizationId: filter.organizationId });
    return builder.take(MAX_APPLICATIONS_LISTED).getMany();
  }

  /** The row, locked for the change about to be made (`id` already validated as a uuid). */
  findForUpdate(manager: EntityManager, id: string): Promise<OAuthApplicationEntity | null> {
    return manager.getRepository(OAuthApplicationEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  findById(id: string): Promise<OAuthApplicationEntity | null> {
    return this.applications.findOne({ where: { id } });
  }

  save(manager: EntityManager, application: OAuthApplicationEntity): Promise<OAuthApplicationEntity> {
    return manager.getRepository(OAuthApplicationEntity).save(application);
  }

  build(fields: Partial<OAuthApplicationEntity>): OAuthApplicationEntity {
    return this.applications.create(fields);
  }
}
