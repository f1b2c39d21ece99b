import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../../access/principal';
import { conflict, forbidden, insufficientScope, notFound, validationFailed } from '../../core/errors/app.exception';
import { isKnownScope, missingScopes } from '../../access/scopes';
import { Clock } from '../../core/time/clock';
import { AuditContext } from '../../events/audit-context';
import { diff, AuditRecorder } from '../../events/audit-recorder';
import { MembershipAccessService } from '../../organizations/membership-access.service';
import { OAuthApplicationAccess } from '../tokens/application-access';
import { applicationProblems, ApplicationShape } from './application-rules';
import { toApplicationResponse } from './application.mapper';
import { generateClientId, generateClientSecret, hashClientSecret, usesClientSecret } from './client-credentials';
import {
  ApplicationResponseDto,
  CreateApplicationDto,
  CreatedApplicationResponseDto,
  RotateApplicationSecretDto,
  UpdateApplicationDto,
} from './dto/application.dto';
import { OAuthApplicationEntity } from './oauth-application.entity';
import { OAuthApplicationsRepository } from './oauth-applications.repository';

export const DEFAULT_SECRET_GRACE_SECONDS = 3600;
const UPDATABLE: Array<keyof OAuthApplicationEntity> = [
  'name',
  'redirectUris',
  'postLogoutRedirectUris',
  'scopes',
  'jwks',
  'tlsClientAuthSubjectDn',
];

/**
 * Registering OAuth clients: the rules (grant sets, redirect URIs, auth methods, scopes within the
 * caller's), the secret shown once and stored hashed, rotation with a grace period, revocation.
 * An organisation's applications are managed by its owners and admins. Every change is audited in
 * its transaction and, once committed, dropped from every instance's application cache, so a
 * narrowed or revoked application's tokens change at once.
 */
@Injectable()
export class OAuthApplicationsService {
  constructor(
    private readonly applications: OAuthApplicationsRepository,
    private readonly access: OAuthApplicationAccess,
    private readonly memberships: MembershipAccessService,
    private readonly audit: AuditRecorder,
    private readonly clock: Clock,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** `dynamicallyRegistered`: it came through POST /oauth/register (RFC 7591) rather than this API. */
  async create(
    caller: Principal,
    dto: CreateApplicationDto,
    audit: AuditContext,
    { dynamicallyRegistered = false }: { dynamicallyRegistered?: boolean } = {},
  ): Promise<CreatedApplicationResponseDto> {
    if (dto.organizationId) await this.assertAdministers(caller, dto.organizationId);
    const shape: ApplicationShape = {
      grantTypes: [...new Set(dto.grantTypes)],
      redirectUris: dto.redirectUris ?? [],
      postLogoutRedirectUris: dto.postLogoutRedirectUris ?? [],
      scopes: [...new Set(dto.scopes)],
      tokenEndpointAuthMethod: dto.tokenEndpointAuthMethod ?? 'client_secret_basic',
      jwks: dto.jwks ?? null,
      tlsClientAuthSubjectDn: dto.tlsClientAuthSubjectDn ?? null,
    };
    this.validate(shape, caller);
    const secret = usesClientSecret(shape.tokenEndpointAuthMethod) ? generateClientSecret() : null;
    const now = new Date(this.clock.now());
    const saved = await this.dataSource.transaction(async (manager) => {
      const application = await this.applications.save(
        manager,
        this.applications.build({
          ...shape,
          clientId: generateClientId(),
          name: dto.name,
          ownerId: caller.userId,
          organizationId: dto.organizationId ?? null,
          secretHash: secret ? hashClientSecret(secret) : null,
          previousSecretHash: null,
          previousSecretExpiresAt: null,
          dynamicallyRegistered,
          createdAt: now,
          updatedAt: now,
          revokedAt: null,
        }),
      );
      await this.record(manager, audit, 'application.created', application);
      return application;
    });
    return { ...toApplicationResponse(saved), clientSecret: secret };
  }

  async list(caller: Principal, organizationId?: string): Promise<ApplicationResponseDto[]> {
    if (organizationId) await this.assertAdministers(caller, organizationId);
    const rows = await this.applications.list(organizationId ? { organizationId } : { ownerId: caller.userId });
    return rows.map(toApplicationResponse);
  }

  async get(caller: Principal, id: string): Promise<ApplicationResponseDto> {
    const application = await this.applications.findById(id);
    await this.assertManages(caller, application);
    return toApplicationResponse(application!);
  }

  async update(caller: Principal, id: string, dto: UpdateApplicationDto, audit: AuditContext): Promise<ApplicationResponseDto> {
    const updated = await this.change(caller, id, async (manager, application) => {
      const before = { ...application };
      const next: OAuthApplicationEntity = { ...application, ...definedFields(dto), updatedAt: new Date(this.clock.now()) };
      if (dto.scopes) next.scopes = [...new Set(dto.scopes)];
      this.validate(next, caller);
      const saved = await this.applications.save(manager, next);
      await this.record(manager, audit, 'application.updated', saved, diff(before, saved, UPDATABLE));
      return saved;
    });
    return toApplicationResponse(updated);
  }

  async rotateSecret(
    caller: Principal,
    id: string,
    dto: RotateApplicationSecretDto,
    audit: AuditContext,
  ): Promise<CreatedApplicationResponseDto> {
    const secret = generateClientSecret();
    const updated = await this.change(caller, id, async (manager, application) => {
      if (!usesClientSecret(application.tokenEndpointAuthMethod))
        throw conflict(`A ${application.tokenEndpointAuthMethod} client has no secret to rotate`);
      const now = this.clock.now();
      const grace = dto.gracePeriodSeconds ?? DEFAULT_SECRET_GRACE_SECONDS;
      application.previousSecretHash = grace > 0 ? application.secretHash : null;
      application.previousSecretExpiresAt = grace > 0 ? new Date(now + grace * 1000) : null;
      application.secretHash = hashClientSecret(secret);
      application.updatedAt = new Date(now);
      const saved = await this.applications.save(manager, application);
      await this.record(manager, audit, 'application.secret_rotated', saved);
      return saved;
    });
    return { ...toApplicationResponse(updated), clientSecret: secret };
  }

  async revoke(caller: Principal, id: string, audit: AuditContext): Promise<void> {
    await this.change(caller, id, async (manager, application) => {
      application.revokedAt = new Date(this.clock.now());
      application.updatedAt = application.revokedAt;
      const saved = await this.applications.save(manager, application);
      await this.record(manager, audit, 'application.revoked', saved);
      return saved;
    });
  }

  /** One change to a live application the caller manages, in a transaction; the caches drop it once committed. */
  private async change(
    caller: Principal,
    id: string,
    apply: (manager: EntityManager, application: OAuthApplicationEntity) => Promise<OAuthApplicationEntity>,
  ): Promise<OAuthApplicationEntity> {
    const saved = await this.dataSource.transaction(async (manager) => {
      const application = await this.applications.findForUpdate(manager, id);
      await this.assertManages(caller, application);
      this.assertNoWider(caller, application!);
      if (application!.revokedAt) throw conflict('This application has been revoked');
      return apply(manager, application!);
    });
    this.access.invalidate(saved.clientId);
    return saved;
  }

  /**
   * A key or OAuth token may change, rotate or revoke only applications no wider than itself: else
   * a narrow credential could take over a wider application (its secret, its redirect URIs) and
   * through it tokens it does not hold itself.
   */
  private assertNoWider(caller: Principal, application: OAuthApplicationEntity): void {
    if (caller.method === 'jwt' || caller.method === 'session') return;
    const missing = missingScopes(caller.scopes, application.scopes.filter(isKnownScope));
    if (missing.length > 0) throw insufficientScope(missing);
  }

  private validate(shape: ApplicationShape, caller: Principal): void {
    const problems = applicationProblems(shape, caller.scopes);
    if (problems.length > 0) throw validationFailed(problems);
  }

  /** 404 unless the caller owns it (their own) or administers its organisation. */
  private async assertManages(caller: Principal, application: OAuthApplicationEntity | null): Promise<void> {
    if (!application) throw notFound('Application');
    if (application.organizationId) {
      const role = await this.memberships.roleOf(application.organizationId, caller.userId, caller.role);
      if (role === 'owner' || role === 'admin') return;
      throw notFound('Application');
    }
    if (application.ownerId !== caller.userId) throw notFound('Application');
  }

  private async assertAdministers(caller: Principal, organizationId: string): Promise<void> {
    const role = await this.memberships.roleOf(organizationId, caller.userId, caller.role);
    if (role === null) throw notFound('Organization');
    if (role !== 'owner' && role !== 'admin') throw forbidden("Only an organization's owners and admins manage its applications");
  }

  private record(
    manager: EntityManager,
    audit: AuditContext,
    action: 'application.created' | 'application.updated' | 'application.secret_rotated' | 'application.revoked',
    application: OAuthApplicationEntity,
    changes: ReturnType<typeof diff> = null,
  ): Promise<void> {
    return this.audit.record(manager, audit, {
      action,
      targetType: 'application',
      targetId: application.id,
      changes,
      ownerId: application.ownerId,
      webhookDetails: { applicationId: application.id, clientId: application.clientId, name: application.name },
    });
  }
}

function definedFields(dto: UpdateApplicationDto): Partial<OAuthApplicationEntity> {
  return Object.fromEntries(Object.entries(dto).filter(([, value]) => value !== undefined));
}
