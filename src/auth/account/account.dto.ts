import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../dto/auth.dto';

const normaliseEmail = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim().toLowerCase() : value);

export class UpdateProfileDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100, example: 'Ada Lovelace', description: 'null clears it' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string | null;

  @ApiPropertyOptional({
    example: 'ada@example.org',
    maxLength: 254,
    description: 'Needs `currentPassword`; 409 when another account has it',
  })
  @IsOptional()
  @Transform(normaliseEmail)
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be a valid email address' })
  email?: string;

  @ApiPropertyOptional({ description: 'Required to change `email`' })
  @IsOptional()
  @IsString()
  @Length(1, MAX_PASSWORD_LENGTH)
  currentPassword?: string;
}

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @Length(1, MAX_PASSWORD_LENGTH)
  currentPassword: string;

  @ApiProperty({ minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_LENGTH, description: 'The registration policy applies' })
  @IsString()
  @Length(MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH)
  newPassword: string;
}

export class ConfirmPasswordDto {
  @ApiProperty({ description: 'Your current password, to confirm' })
  @IsString()
  @Length(1, MAX_PASSWORD_LENGTH)
  password: string;
}
