import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events/events.module';
import { UsersModule } from '../users/users.module';
import { BoundKeys } from './bound-keys';
import { OrganizationMemberEntity } from './entities/organization-member.entity';
import { OrganizationEntity } from './entities/organization.entity';
import { ProjectEntity } from './entities/project.entity';
import { KeyScopesService } from './key-scopes.service';
import { MemberOrganizations } from './member-organizations';
import { MembershipAccessService } from './membership-access.service';
import { OrganizationAccessGuard } from './organization-access.guard';
import { OrganizationRepository } from './organization.repository';
import { OrganizationsController } from './organizations.controller';
import { OrganizationsService } from './organizations.service';
import { ProjectsController } from './projects.controller';
import { ProjectRepository } from './project.repository';
import { ProjectsService } from './projects.service';

/**
 * Organisations, their members and projects (`/api/v1/organizations`, `/api/v1/projects`), and
 * what the layers above need of them: memberships (cached), the scopes a bound key holds, the
 * guard for routes inside an organisation, and the seam the keys bound to one are deleted through.
 */
@Module({
  imports: [TypeOrmModule.forFeature([OrganizationEntity, OrganizationMemberEntity, ProjectEntity]), UsersModule, EventsModule],
  controllers: [OrganizationsController, ProjectsController],
  providers: [
    OrganizationRepository,
    ProjectRepository,
    OrganizationsService,
    ProjectsService,
    MembershipAccessService,
    KeyScopesService,
    OrganizationAccessGuard,
    BoundKeys,
    MemberOrganizations,
  ],
  exports: [MembershipAccessService, KeyScopesService, OrganizationAccessGuard, BoundKeys, MemberOrganizations],
})
export class OrganizationsModule {}
