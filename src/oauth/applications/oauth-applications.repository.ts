import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { OAuthApplicationEntity } from './oauth-application.entity';

/** The one place the `oauth_applications` table is queried. */
@Injectable()
export class OAuthApplicationsRepository {
  constructor(@InjectRepository(OAuthApplicationEntity) private readonly applications: Repository<OAuthApplicationEntity>) {}

  /** The application a client ID names, revoked or not (callers decide what a revoked one means). */
  findByClientId(clientId: string): Promise<OAuthApplicationEntity | null> {
    return this.applications.findOne({ where: { clientId } });
  }
}
