import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsDate,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsIpOrCidr } from '../../core/validation/is-ip-or-cidr.decorator';
import { IsCertificateThumbprint } from '../../core/validation/is-certificate-thumbprint.decorator';
import { PaginationQueryDto } from '../../core/dto/pagination-query.dto';
import { IsScope } from '../../access/is-scope.decorator';
import { RATE_LIMIT_STRATEGIES, RateLimitStrategy } from '../../rate-limit/rate-limit.types';
import { RotationPolicyDto } from './rotation-policy.dto';

export class RateLimitDto {
  @ApiProperty({ minimum: 1, maximum: 1_000_000, example: 100, description: 'Requests allowed per window' })
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  limit: number;

  @ApiProperty({ minimum: 1, maximum: 86_400, example: 60, description: 'Window length in seconds' })
  @IsInt()
  @Min(1)
  @Max(86_400)
  windowSeconds: number;

  @ApiPropertyOptional({ enum: RATE_LIMIT_STRATEGIES, description: 'Counting strategy; default RATE_LIMIT_STRATEGY (sliding)' })
  @IsOptional()
  @IsIn(RATE_LIMIT_STRATEGIES)
  strategy?: RateLimitStrategy;

  @ApiPropertyOptional({ minimum: 1, maximum: 1_000_000, description: 'token_bucket only: bucket capacity (default: limit)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  burst?: number;
}

export class QuotaDto {
  @ApiProperty({ minimum: 1, maximum: 1_000_000_000, example: 10_000, description: 'Requests allowed per period' })
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  limit: number;

  @ApiProperty({ enum: ['day', 'month'], description: 'Calendar period (UTC); the quota refills at its start' })
  @IsIn(['day', 'month'])
  period: 'day' | 'month';
}

/** `GET /api/keys`: a page, optionally only the keys bound to one organisation or project. */
export class ListApiKeysQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only keys bound to this organization (or one of its projects)' })
  @IsOptional()
  @IsUUID()
  organizationId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only keys bound to this project' })
  @IsOptional()
  @IsUUID()
  projectId?: string;
}

export class CreateApiKeyDto {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'CI deploy bot' })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['read:keys'],
    description: 'Subset of your own scopes. Omitted: the default scopes of your role.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsScope({ each: true })
  scopes?: string[];

  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'Bind the key to this organization: its access stops there, and its scopes are bounded by your role in it. Default: unbound (your whole reach), or for a key minted by a bound key, that key’s binding.',
  })
  @IsOptional()
  @IsUUID()
  organizationId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Bind the key to this one project (and so to its organization)' })
  @IsOptional()
  @IsUUID()
  projectId?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    example: '2027-01-01T00:00:00.000Z',
    description: 'Must be in the future; a key minted by a key expires no later than its parent (and by default with it)',
  })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'expiresAt must be an ISO 8601 date-time' })
  expiresAt?: Date;

  @ApiPropertyOptional({ type: RateLimitDto, description: 'Overrides the default limit for this key' })
  @IsOptional()
  @ValidateNested()
  @Type(() => RateLimitDto)
  rateLimit?: RateLimitDto;

  @ApiPropertyOptional({ type: QuotaDto, description: 'A usage quota counted apart from the rate limit' })
  @IsOptional()
  @ValidateNested()
  @Type(() => QuotaDto)
  quota?: QuotaDto;

  @ApiPropertyOptional({
    type: [String],
    example: ['203.0.113.7', '10.0.0.0/8', '2001:db8::/32'],
    description:
      'IPv4/IPv6 addresses or CIDR ranges the key may be used from; from anywhere else it gets 403 access_denied_by_policy. Omitted: from anywhere.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1, { message: 'allowedIps must not be empty: omit it to allow every address' })
  @ArrayMaxSize(100)
  @IsIpOrCidr({ each: true })
  allowedIps?: string[];

  @ApiPropertyOptional({
    example: 'YA749vgJLKGp5GQABKmpy4z1UF0hQAgDfhzCz9QoZwo',
    description:
      'x5t#S256 of a client certificate (base64url SHA-256 of its DER, 43 characters): the key is then refused with 401 certificate_required unless the request presents that certificate (mutual TLS, directly or through a TRUST_PROXY proxy). Omitted: no certificate needed.',
  })
  @IsOptional()
  @IsCertificateThumbprint()
  certificateThumbprint?: string;

  @ApiPropertyOptional({
    type: RotationPolicyDto,
    description: 'Rotate the key on a schedule; the owner is notified before (key.rotation_due) and after (key.rotated)',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => RotationPolicyDto)
  rotationPolicy?: RotationPolicyDto;
}
