import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OrganizationMemberEntity } from './entities/organization-member.entity';
import { OrganizationEntity } from './entities/organization.entity';
import { ProjectEntity } from './entities/project.entity';
import { KeyScopesService } from './key-scopes.service';
import { MembershipAccessService } from './membership-access.service';

/** What authentication and authorization need to know of organisations: memberships, cached. */
@Module({
  imports: [TypeOrmModule.forFeature([OrganizationEntity, OrganizationMemberEntity, ProjectEntity])],
  providers: [MembershipAccessService, KeyScopesService],
  exports: [MembershipAccessService, KeyScopesService, TypeOrmModule],
})
export class OrganizationAccessModule {}
