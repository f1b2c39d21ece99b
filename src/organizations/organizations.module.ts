import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { OrganizationAccessModule } from './organization-access.module';
import { OrganizationsController } from './organizations.controller';
import { OrganizationKeysController } from '../api-keys/organization-keys.controller';
import { OrganizationsService } from './organizations.service';
import { ProjectsController } from './projects.controller';
import { ProjectsService } from './projects.service';

/** Organisations, their members and projects: `/api/v1/organizations` and `/api/v1/projects`. */
@Module({
  imports: [OrganizationAccessModule, ApiKeysModule],
  controllers: [OrganizationsController, OrganizationKeysController, ProjectsController],
  providers: [OrganizationsService, ProjectsService],
})
export class OrganizationsModule {}
