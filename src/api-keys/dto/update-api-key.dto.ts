import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsOptional,
  IsString,
  Length,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { QuotaDto, RateLimitDto } from './create-api-key.dto';
import { IsScope } from '../../access/is-scope.decorator';
import { IsIpOrCidr } from '../../core/validation/is-ip-or-cidr.decorator';
import { IsCertificateThumbprint } from '../../core/validation/is-certificate-thumbprint.decorator';
import { RotationPolicyDto } from './rotation-policy.dto';

export class UpdateApiKeyDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 100 })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;

  @ApiPropertyOptional({ type: [String], description: 'Narrowing only: a subset of the key’s current scopes' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsScope({ each: true })
  scopes?: string[];

  @ApiPropertyOptional({ type: RateLimitDto, nullable: true, description: 'A new limit for this key; null returns it to the default' })
  @ValidateIf((_dto, value) => value !== null)
  @IsOptional()
  @ValidateNested()
  @Type(() => RateLimitDto)
  rateLimit?: RateLimitDto | null;

  @ApiPropertyOptional({ type: QuotaDto, nullable: true, description: 'A new quota; null removes it' })
  @ValidateIf((_dto, value) => value !== null)
  @IsOptional()
  @ValidateNested()
  @Type(() => QuotaDto)
  quota?: QuotaDto | null;

  @ApiPropertyOptional({
    type: RotationPolicyDto,
    nullable: true,
    description: 'A new rotation schedule, counted from now; null removes it. Not on a key that was already rotated (409).',
  })
  @ValidateIf((_dto, value) => value !== null)
  @IsOptional()
  @ValidateNested()
  @Type(() => RotationPolicyDto)
  rotationPolicy?: RotationPolicyDto | null;

  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    example: ['10.0.0.0/8'],
    description: 'A new IP allowlist (addresses or CIDR ranges); null lets the key be used from anywhere',
  })
  @ValidateIf((_dto, value) => value !== null)
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1, { message: 'allowedIps must not be empty: send null to allow every address' })
  @ArrayMaxSize(100)
  @IsIpOrCidr({ each: true })
  allowedIps?: string[] | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'YA749vgJLKGp5GQABKmpy4z1UF0hQAgDfhzCz9QoZwo',
    description: 'Bind the key to this client certificate (x5t#S256, 43 base64url characters); null lets it be used without one',
  })
  @ValidateIf((_dto, value) => value !== null)
  @IsOptional()
  @IsCertificateThumbprint()
  certificateThumbprint?: string | null;

  @ApiPropertyOptional({ description: 'Deactivate (false) or reactivate (true) the key' })
  @IsOptional()
  @IsBoolean()
  isActive?: boolean;
}
