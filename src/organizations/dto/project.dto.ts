import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Length, MaxLength, ValidateIf } from 'class-validator';
import { PaginationQueryDto } from '../../core/dto/pagination-query.dto';
import { IsSort } from '../../core/dto/sort';

export const PROJECT_SORT_FIELDS = ['name', 'createdAt', 'updatedAt'] as const;

export class CreateProjectDto {
  @ApiProperty({ format: 'uuid', description: 'The organisation that owns the project; you need write:projects there (owner or admin)' })
  @IsUUID()
  organizationId: string;

  @ApiProperty({ minLength: 1, maxLength: 100, example: 'billing-api', description: 'Unique within the organisation' })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class UpdateProjectDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 100 })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;

  @ApiPropertyOptional({ type: String, maxLength: 500, nullable: true, description: 'null clears it' })
  @ValidateIf((_dto, value) => value !== null && value !== undefined)
  @IsString()
  @MaxLength(500)
  description?: string | null;
}

export class ProjectListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only the projects of this organisation' })
  @IsOptional()
  @IsUUID()
  organizationId?: string;

  @IsSort(PROJECT_SORT_FIELDS, 'name')
  sort: string = 'name';
}

export class ProjectResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  organizationId: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ type: String, nullable: true })
  description: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}
