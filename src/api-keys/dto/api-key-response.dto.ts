import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { QuotaDto, RateLimitDto } from './create-api-key.dto';
import { RotationPolicyViewDto } from './rotation-policy.dto';

export class QuotaUsageDto extends QuotaDto {
  @ApiProperty({ description: 'Used in the current period' })
  used: number;

  @ApiProperty()
  remaining: number;

  @ApiProperty({ type: String, format: 'date-time', description: 'When the quota refills' })
  resetsAt: string;
}

export const KEY_STATUSES = ['active', 'inactive', 'revoked', 'expired', 'rotated'] as const;
export type KeyStatus = (typeof KEY_STATUSES)[number];

/** A key as the API shows it: never the secret, never its hash. */
export class ApiKeyResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'CI deploy bot' })
  name: string;

  @ApiProperty({ example: 'argus_Ab', description: 'First 8 characters, to recognise the key' })
  keyPrefix: string;

  @ApiProperty()
  isActive: boolean;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The organization the key is bound to; null: your whole reach',
  })
  organizationId: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The one project the key is bound to' })
  projectId: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The key that minted this one; revoking it revokes this key' })
  parentKeyId: string | null;

  @ApiProperty({ enum: KEY_STATUSES })
  status: KeyStatus;

  @ApiProperty({ type: [String], example: ['read:keys'] })
  scopes: string[];

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  revokedAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the key was rotated (it works until expiresAt)' })
  rotatedAt: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The key that replaced this one' })
  replacedById: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'At most about a minute stale' })
  lastUsedAt: string | null;

  @ApiProperty({ type: RateLimitDto, nullable: true })
  rateLimit: RateLimitDto | null;

  @ApiProperty({ type: () => QuotaUsageDto, nullable: true })
  quota: QuotaUsageDto | null;

  @ApiProperty({ type: [String], nullable: true })
  allowedIps: string[] | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'x5t#S256 of the client certificate the key must be presented with (401 certificate_required without it); null: none',
  })
  certificateThumbprint: string | null;

  @ApiProperty({
    type: RotationPolicyViewDto,
    nullable: true,
    description: 'The rotation schedule; inert once the key is rotated or revoked',
  })
  rotationPolicy: RotationPolicyViewDto | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the scheduler rotates the key next; null without a policy, or once rotated or revoked',
  })
  rotationDueAt: string | null;

  @ApiProperty({
    description: 'The scheduler issued this key and its owner has not fetched it yet: POST /api/keys/{id}/reveal returns it, once',
  })
  revealPending: boolean;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt: string;
}

export class CreatedApiKeyResponseDto extends ApiKeyResponseDto {
  @ApiProperty({ example: 'argus_AbCdEf…', description: 'The key itself. Shown once, never again.' })
  key: string;
}

export class PreviousKeyDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'When the old key stops working (the end of the grace period)' })
  expiresAt: string;
}

export class RotatedApiKeyResponseDto extends CreatedApiKeyResponseDto {
  @ApiProperty({ type: PreviousKeyDto })
  previousKey: PreviousKeyDto;
}

export class KeyOwnerDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  email: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  name: string | null;
}

export class AdminApiKeyResponseDto extends ApiKeyResponseDto {
  @ApiProperty({ format: 'uuid' })
  userId: string;

  @ApiProperty({ type: KeyOwnerDto })
  owner: KeyOwnerDto;
}
