import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIP,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
} from 'class-validator';
import { IsScope } from '../../access/is-scope.decorator';
import { IsCertificateThumbprint } from '../../core/validation/is-certificate-thumbprint.decorator';

export const VERIFY_CODES = [
  'VALID',
  'NOT_FOUND',
  'REVOKED',
  'EXPIRED',
  'INACTIVE',
  'CERTIFICATE_REQUIRED',
  'INSUFFICIENT_SCOPE',
  'RATE_LIMITED',
  'FORBIDDEN_BY_POLICY',
] as const;
export type VerifyCode = (typeof VERIFY_CODES)[number];

/** Refuses the property when `other` is sent too. */
function NotWith(other: string): PropertyDecorator {
  return ValidateBy({
    name: 'notWith',
    validator: {
      validate: (_value, args) => (args?.object as Record<string, unknown> | undefined)?.[other] === undefined,
      defaultMessage: (args) => `send either ${args?.property} or ${other}, not both`,
    },
  });
}

/** `{ key }` or `{ token }`: exactly one of them. */
export class VerifyKeyDto {
  @ApiPropertyOptional({ description: 'The API key a client presented to your service (this, or `token`)', example: 'argus_…' })
  @ValidateIf((dto: VerifyKeyDto) => dto.token === undefined || dto.key !== undefined)
  @IsString()
  @Length(1, 200)
  @NotWith('token')
  key?: string;

  @ApiPropertyOptional({
    description:
      'An OAuth access token (the JWT a client sent as `Authorization: Bearer`) instead of `key`; never both. `ip` does not apply to tokens.',
    example: 'eyJhbGciOiJFUzI1NiIsImtpZCI6Ii4uLiIsInR5cCI6ImF0K2p3dCJ9…',
  })
  @IsOptional()
  @IsString()
  @Length(1, 8192)
  token?: string;

  @ApiPropertyOptional({ type: [String], example: ['read:projects'], description: 'Scopes the key must hold for this call' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsScope({ each: true })
  scopes?: string[];

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 1, description: 'Units of the key’s rate limit this call spends' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  cost?: number;

  @ApiPropertyOptional({
    example: '203.0.113.7',
    description:
      'The address your client called from. A key with an IP allowlist answers FORBIDDEN_BY_POLICY when this is outside it, or missing.',
  })
  @IsOptional()
  @IsIP()
  ip?: string;

  @ApiPropertyOptional({
    example: 'YA749vgJLKGp5GQABKmpy4z1UF0hQAgDfhzCz9QoZwo',
    description:
      'The x5t#S256 (base64url SHA-256 of the DER, 43 characters) of the client certificate your client presented to your service. ' +
      'A key bound to a certificate answers CERTIFICATE_REQUIRED when this is missing or another one. ' +
      'Not applied to `token`: a certificate-bound token’s `cnf` is yours to compare.',
  })
  @IsOptional()
  @IsCertificateThumbprint()
  certificateThumbprint?: string;
}

export class VerifyRateLimitDto {
  @ApiProperty()
  limit: number;

  @ApiProperty()
  remaining: number;

  @ApiProperty({ description: 'Unix time (seconds) when the window resets' })
  reset: number;
}

export class VerifyKeyResultDto {
  @ApiProperty()
  valid: boolean;

  @ApiProperty({ enum: VERIFY_CODES })
  code: VerifyCode;

  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'The key’s id (null for a token)' })
  keyId: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The OAuth application of a token (null for a key)', example: 'app_…' })
  clientId: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'uuid' })
  ownerId: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Organisation binding (none yet: always null)' })
  organizationId: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Project binding (none yet: always null)' })
  projectId: string | null;

  @ApiProperty({
    type: [String],
    description: 'The effective scopes: a key’s own bounded by its owner’s role; a token’s ∩ its application’s ∩ its user’s role',
  })
  scopes: string[];

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt: string | null;

  @ApiProperty({
    type: VerifyRateLimitDto,
    nullable: true,
    description: 'The key’s own limit (a token: its client’s, kind oauth) after this call; null when not counted',
  })
  ratelimit: VerifyRateLimitDto | null;
}
