import { ApiProperty } from '@nestjs/swagger';
import { ORGANIZATION_ROLES, OrganizationRole } from '../../access/organization-roles';
import { ApiKeyResponseDto } from '../../api-keys/dto/api-key-response.dto';
import { AuditEventDto } from '../../audit/dto/audit-event.dto';
import { UserResponseDto } from '../../auth/dto/auth-response.dto';
import { SessionResponseDto } from '../../auth/sessions/session.dto';
import { WebhookResponseDto } from '../../webhooks/dto/webhook.dto';

export const EXPORT_SECTIONS = ['apiKeys', 'organizations', 'projects', 'webhooks', 'sessions', 'auditEvents'] as const;
export type ExportSection = (typeof EXPORT_SECTIONS)[number];

export class ExportedMembershipDto {
  @ApiProperty({ format: 'uuid' })
  organizationId: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ enum: ORGANIZATION_ROLES })
  role: OrganizationRole;

  @ApiProperty({ type: String, format: 'date-time' })
  joinedAt: string;
}

export class ExportedProjectDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  organizationId: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ type: String, nullable: true })
  description: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt: string;
}

/** The file GET /api/auth/me/export downloads: what Argus holds about the account, never a secret. */
export class AccountExportDto {
  @ApiProperty({ enum: ['argus.account-export'] })
  format: 'argus.account-export';

  @ApiProperty({ enum: [1] })
  version: 1;

  @ApiProperty({ type: String, format: 'date-time' })
  exportedAt: string;

  @ApiProperty({ type: UserResponseDto })
  profile: UserResponseDto;

  @ApiProperty({
    type: [ApiKeyResponseDto],
    description: 'Every key you own, revoked ones included; prefixes only, never a key or its hash',
  })
  apiKeys: ApiKeyResponseDto[];

  @ApiProperty({ type: [ExportedMembershipDto] })
  organizations: ExportedMembershipDto[];

  @ApiProperty({ type: [ExportedProjectDto], description: 'Projects of the organisations you belong to' })
  projects: ExportedProjectDto[];

  @ApiProperty({ type: [WebhookResponseDto], description: 'Your endpoints, never their signing secrets' })
  webhooks: WebhookResponseDto[];

  @ApiProperty({ type: [SessionResponseDto], description: 'Live browser sessions, never their tokens' })
  sessions: SessionResponseDto[];

  @ApiProperty({
    type: [AuditEventDto],
    description:
      'Events you did or that were done to your account, newest first. Where someone else acted (an admin, a failed sign-in), their address and user agent are left out.',
  })
  auditEvents: AuditEventDto[];

  @ApiProperty({ enum: EXPORT_SECTIONS, isArray: true, description: 'Sections cut at their limit (the newest or first entries are kept)' })
  truncated: ExportSection[];
}
