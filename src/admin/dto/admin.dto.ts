import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsEmail, IsIn, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { KEY_STATUSES, KeyStatus } from '../../api-keys/dto/api-key-response.dto';
import { PaginationQueryDto } from '../../core/dto/pagination-query.dto';
import { USER_ROLES, UserRole } from '../../users/user.entity';

const toBoolean = ({ value }: { value: unknown }): unknown => (value === 'true' ? true : value === 'false' ? false : value);
/** A search term as typed: surrounding blanks dropped; an empty one is no filter. */
const toSearch = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() || undefined : value);

export class AdminKeysQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only keys of this user' })
  @IsOptional()
  @IsUUID()
  userId?: string;

  @ApiPropertyOptional({ format: 'email', description: 'Only keys of the user with this email (exact, any case)' })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  ownerEmail?: string;

  @ApiPropertyOptional({ description: 'Keys whose name or prefix contains this (any case)', minLength: 1, maxLength: 100 })
  @IsOptional()
  @Transform(toSearch)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  search?: string;

  @ApiPropertyOptional({ enum: KEY_STATUSES, description: 'Only keys in this status (as each key view shows it)' })
  @IsOptional()
  @IsIn(KEY_STATUSES)
  status?: KeyStatus;

  @ApiPropertyOptional({ type: Boolean, description: 'true: usable now (status active); false: any other status' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  isActive?: boolean;

  @ApiPropertyOptional({ description: 'meta.nextCursor of the previous page; replaces page for deep pages' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export class AdminUsersQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'Users whose email or name contains this (any case)', minLength: 1, maxLength: 100 })
  @IsOptional()
  @Transform(toSearch)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  search?: string;

  @ApiPropertyOptional({ enum: USER_ROLES })
  @IsOptional()
  @IsIn(USER_ROLES)
  role?: UserRole;

  @ApiPropertyOptional({ type: Boolean })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  isActive?: boolean;
}

export class SetKeyActiveDto {
  @ApiProperty({ description: 'false deactivates the key (401 api_key_inactive), true reactivates it' })
  @IsBoolean()
  isActive: boolean;
}

export class UpdateUserDto {
  @ApiPropertyOptional({ enum: USER_ROLES })
  @IsOptional()
  @IsIn(USER_ROLES)
  role?: UserRole;

  @ApiPropertyOptional({ description: 'false locks the user out at once: JWTs, refresh tokens and keys' })
  @IsOptional()
  @IsBoolean()
  isActive?: boolean;
}
