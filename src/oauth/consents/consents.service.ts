import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Principal } from '../../access/principal';
import { notFound } from '../../core/errors/app.exception';
import { Clock } from '../../core/time/clock';
import { AuditContext } from '../../events/audit-context';
import { AuditRecorder } from '../../events/audit-recorder';
import { OAuthConfig, oauthConfig } from '../oauth.config';
import { OAuthRecordsRepository } from '../provider/oauth-records.repository';
import { OAuthApplicationAccess } from '../tokens/application-access';
import { OAuthTokenRevocations } from '../tokens/token-revocations';
import { ConsentResponseDto } from './consent.dto';

/** oidc-provider's Grant payload, as far as consents read it. */
interface GrantPayload {
  clientId?: string;
  iat?: number;
  openid?: { scope?: string };
  resources?: Record<string, string>;
}

/**
 * A user's consents: the grants they gave applications on the consent page (oidc-provider's
 * `Grant` records). Withdrawing one deletes the grants with everything issued under them (codes,
 * refresh tokens) and denies `grant:<id>`, so their JWT access tokens stop on every instance.
 */
@Injectable()
export class ConsentsService {
  constructor(
    private readonly records: OAuthRecordsRepository,
    private readonly revocations: OAuthTokenRevocations,
    private readonly applications: OAuthApplicationAccess,
    private readonly audit: AuditRecorder,
    private readonly clock: Clock,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(oauthConfig.KEY) private readonly config: OAuthConfig,
  ) {}

  async list(caller: Principal): Promise<ConsentResponseDto[]> {
    const byClient = new Map<string, ConsentResponseDto>();
    for (const row of await this.records.grantsOf(caller.userId, new Date(this.clock.now()))) {
      const grant = row.payload as GrantPayload;
      if (!grant.clientId) continue;
      const application = await this.applications.get(grant.clientId);
      if (!application || application.revokedAt) continue;
      const scopes = [grant.openid?.scope ?? '', ...Object.values(grant.resources ?? {})].join(' ').split(' ').filter(Boolean);
      const grantedAt = new Date((grant.iat ?? 0) * 1000).toISOString();
      const seen = byClient.get(grant.clientId);
      byClient.set(grant.clientId, {
        clientId: grant.clientId,
        applicationName: application.name,
        scopes: [...new Set([...(seen?.scopes ?? []), ...scopes])].sort(),
        grantedAt: seen && seen.grantedAt < grantedAt ? seen.grantedAt : grantedAt,
      });
    }
    return [...byClient.values()];
  }

  async revoke(caller: Principal, clientId: string, audit: AuditContext): Promise<void> {
    const grants = (await this.records.grantsOf(caller.userId, new Date(this.clock.now()))).filter(
      (row) => (row.payload as GrantPayload).clientId === clientId,
    );
    if (grants.length === 0) throw notFound('Consent');
    const until = new Date(this.clock.now() + this.config.accessTokenTtlSeconds * 1000);
    for (const grant of grants) {
      await this.revocations.revoke(`grant:${grant.id}`, until);
      await this.records.deleteByGrantId(grant.id);
      await this.records.destroy('Grant', grant.id);
    }
    const application = await this.applications.get(clientId);
    await this.dataSource.transaction((manager) =>
      this.audit.record(manager, audit, {
        action: 'consent.revoked',
        targetType: 'application',
        targetId: application?.id ?? null,
        ownerId: application?.ownerId,
        webhookDetails: { clientId, userId: caller.userId },
      }),
    );
  }
}
