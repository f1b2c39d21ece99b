import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../../events/events.module';
import { OrganizationsModule } from '../../organizations/organizations.module';
import { OAuthTokensModule } from '../tokens/oauth-tokens.module';
import { OAuthApplicationEntity } from './oauth-application.entity';
import { OAuthApplicationsController } from './oauth-applications.controller';
import { OAuthApplicationsRepository } from './oauth-applications.repository';
import { OAuthApplicationsService } from './oauth-applications.service';

/** Users' registration of OAuth clients (POST/GET/PATCH/DELETE /api/oauth/applications). */
@Module({
  imports: [TypeOrmModule.forFeature([OAuthApplicationEntity]), EventsModule, OrganizationsModule, OAuthTokensModule],
  controllers: [OAuthApplicationsController],
  providers: [OAuthApplicationsRepository, OAuthApplicationsService],
  exports: [OAuthApplicationsService],
})
export class OAuthApplicationsModule {}
