import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Principal } from '../access/principal';
import { ApiKeyResponseDto } from '../api-keys/dto/api-key-response.dto';
import { KeyAdministration } from '../api-keys/key-administration.service';
import { AuditEventDto, toAuditEventDto } from '../audit/dto/audit-event.dto';
import { assertPerson } from '../auth/account/person';
import { AuthService } from '../auth/auth.service';
import { SessionsService } from '../auth/sessions/sessions.service';
import { PaginationQueryDto } from '../core/dto/pagination-query.dto';
import { Clock } from '../core/time/clock';
import { AuditContext } from '../events/audit-context';
import { AuditEventRepository } from '../events/audit-event.repository';
import { AuditRecorder } from '../events/audit-recorder';
import { MemberOrganizations } from '../organizations/member-organizations';
import { WebhookResponseDto } from '../webhooks/dto/webhook.dto';
import { WebhooksService } from '../webhooks/webhooks.service';
import { AccountExportDto, ExportSection } from './dto/account-export.dto';

/**
 * How much of each section one export holds. Far above what a person accumulates; a bound so one
 * request cannot hold the server's memory hostage. A section cut here is named in `truncated`.
 */
export const EXPORT_LIMITS: Record<ExportSection, number> = {
  apiKeys: 1000,
  organizations: 1000,
  projects: 1000,
  webhooks: 1000,
  sessions: 1000,
  auditEvents: 5000,
};

const PAGE = 100;

/** The right of access and to portability (GDPR Art. 15, 20): one JSON file of the account. */
@Injectable()
export class AccountExportService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly auth: AuthService,
    private readonly keys: KeyAdministration,
    private readonly organizations: MemberOrganizations,
    private readonly webhooks: WebhooksService,
    private readonly sessions: SessionsService,
    private readonly events: AuditEventRepository,
    private readonly audit: AuditRecorder,
    private readonly clock: Clock,
  ) {}

  async export(caller: Principal, audit: AuditContext): Promise<AccountExportDto> {
    assertPerson(caller);
    const userId = caller.userId;
    const truncated: ExportSection[] = [];
    // One more than the limit tells a full section from a cut one.
    const bounded = <T>(section: ExportSection, items: T[]): T[] => {
      if (items.length <= EXPORT_LIMITS[section]) return items;
      truncated.push(section);
      return items.slice(0, EXPORT_LIMITS[section]);
    };
    const profile = await this.auth.profile(userId);
    const apiKeys = bounded('apiKeys', await this.keysOf(userId, EXPORT_LIMITS.apiKeys + 1));
    const organizations = bounded('organizations', await this.organizations.membershipsOf(userId, EXPORT_LIMITS.organizations + 1));
    const projects = bounded('projects', await this.organizations.projectsOf(userId, EXPORT_LIMITS.projects + 1));
    const webhooks = bounded('webhooks', await this.webhooksOf(userId, EXPORT_LIMITS.webhooks + 1));
    const sessions = bounded('sessions', await this.sessions.listOf(userId, EXPORT_LIMITS.sessions + 1));
    const events = bounded('auditEvents', await this.events.findAbout(userId, EXPORT_LIMITS.auditEvents + 1));
    await this.audit.record(this.dataSource.manager, audit, { action: 'user.data_exported', targetType: 'user', targetId: userId });
    return {
      format: 'argus.account-export',
      version: 1,
      exportedAt: this.clock.date().toISOString(),
      profile,
      apiKeys,
      organizations: organizations.map((m) => ({
        organizationId: m.organizationId,
        name: m.name,
        role: m.role,
        joinedAt: m.joinedAt.toISOString(),
      })),
      projects: projects.map((p) => ({ ...p, createdAt: p.createdAt.toISOString(), updatedAt: p.updatedAt.toISOString() })),
      webhooks,
      sessions,
      auditEvents: events.map((event) => aboutMe(toAuditEventDto(event), userId)),
      truncated,
    };
  }

  /** The owner's keys, newest first, through the cursor so deep pages stay cheap; without the admin view's owner fields. */
  private async keysOf(userId: string, limit: number): Promise<ApiKeyResponseDto[]> {
    const keys: ApiKeyResponseDto[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.keys.listKeys({ userId, cursor, skip: 0, limit: Math.min(PAGE, limit - keys.length) });
      for (const { owner: _owner, userId: _userId, ...key } of page.items) keys.push(key);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && keys.length < limit);
    return keys;
  }

  private async webhooksOf(userId: string, limit: number): Promise<WebhookResponseDto[]> {
    const endpoints: WebhookResponseDto[] = [];
    for (let page = 1; endpoints.length < limit; page++) {
      const query = Object.assign(new PaginationQueryDto(), { page, limit: PAGE });
      const { items } = await this.webhooks.listWebhooks(userId, query);
      endpoints.push(...items);
      if (items.length < PAGE) break;
    }
    return endpoints.slice(0, limit);
  }
}

/** Another person's address and browser are theirs, not the exporter's: kept only where the exporter acted. */
function aboutMe(event: AuditEventDto, userId: string): AuditEventDto {
  return event.actorId === userId ? event : { ...event, ip: null, userAgent: null };
}
