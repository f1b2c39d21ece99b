import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { PaginationQueryDto } from '../../core/dto/pagination-query.dto';
import { IsSort } from '../../core/dto/sort';
import { ORGANIZATION_ROLES, OrganizationRole } from '../../access/organization-roles';

export const ORGANIZATION_SORT_FIELDS = ['name', 'createdAt', 'updatedAt'] as const;

export class CreateOrganizationDto {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'Acme Inc.' })
  @IsString()
  @Length(1, 100)
  name: string;
}

export class UpdateOrganizationDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 100 })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;
}

export class OrganizationListQueryDto extends PaginationQueryDto {
  @IsSort(ORGANIZATION_SORT_FIELDS, 'name')
  sort: string = 'name';
}

export class OrganizationResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ enum: ORGANIZATION_ROLES, description: 'Your role here (platform admins act as owners)' })
  role: OrganizationRole;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class AddMemberDto {
  @ApiProperty({
    format: 'uuid',
    description:
      'The user to add, by id (a user finds theirs at GET /api/auth/verify). There is no look-up by email, so membership cannot be used to probe who is registered.',
  })
  @IsUUID()
  userId: string;

  @ApiProperty({ enum: ORGANIZATION_ROLES, description: 'Only owners grant owner' })
  @IsIn(ORGANIZATION_ROLES)
  role: OrganizationRole;
}

export class UpdateMemberDto {
  @ApiProperty({ enum: ORGANIZATION_ROLES })
  @IsIn(ORGANIZATION_ROLES)
  role: OrganizationRole;
}

export class MemberResponseDto {
  @ApiProperty({ format: 'uuid' })
  userId: string;

  @ApiProperty()
  email: string;

  @ApiProperty({ type: String, nullable: true })
  name: string | null;

  @ApiProperty({ enum: ORGANIZATION_ROLES })
  role: OrganizationRole;

  @ApiProperty({ format: 'date-time', description: 'When the user joined' })
  createdAt: string;
}
