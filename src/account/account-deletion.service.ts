import { HttpStatus, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Principal } from '../access/principal';
import { KeyAdministration } from '../api-keys/key-administration.service';
import { ConfirmPasswordDto } from '../auth/account/account.dto';
import { AccountSecurityService } from '../auth/account/account-security.service';
import { assertPerson } from '../auth/account/person';
import { LoginClient } from '../auth/login-throttle.service';
import { AppException, conflict, unauthorized } from '../core/errors/app.exception';
import { ErrorCode } from '../core/errors/error-codes';
import { AuditContext } from '../events/audit-context';
import { AuditEventRepository } from '../events/audit-event.repository';
import { AuditRecorder } from '../events/audit-recorder';
import { MemberOrganizations } from '../organizations/member-organizations';
import { UserAccessService } from '../users/user-access.service';
import { UserRepository } from '../users/user.repository';

/**
 * The right to erasure (GDPR Art. 17): the account and what hangs off it go. In one transaction:
 * refusals first (the last active admin; organisations that would be left without an owner), then
 * every key revoked through the api-keys lifecycle (audited, verifier caches dropped everywhere),
 * then the user row, whose foreign keys take sessions, refresh tokens, memberships, webhook
 * endpoints and the key rows with it. The audit trail keeps the account's id, not its person:
 * the addresses, user agents and email in the events about it are erased.
 */
@Injectable()
export class AccountDeletionService {
  constructor(
    private readonly security: AccountSecurityService,
    private readonly keys: KeyAdministration,
    private readonly organizations: MemberOrganizations,
    private readonly users: UserRepository,
    private readonly userAccess: UserAccessService,
    private readonly audit: AuditRecorder,
  ) {}

  async deleteAccount(caller: Principal, dto: ConfirmPasswordDto, client: LoginClient, audit: AuditContext): Promise<void> {
    assertPerson(caller);
    const userId = caller.userId;
    await this.security.confirmPassword(caller, dto.password, client);
    await this.keys.removeOwner(userId, audit, {
      check: (manager) => this.assertRemovable(manager, userId),
      remove: async (manager) => {
        await this.users.delete(userId, manager);
        await AuditEventRepository.eraseSubject(manager, userId);
        // The id only: no address or browser of a person who asked to be forgotten.
        await this.audit.record(
          manager,
          { ...audit, ip: null, userAgent: null },
          { action: 'user.deleted', targetType: 'user', targetId: userId },
        );
      },
    });
    this.userAccess.invalidate(userId);
    this.organizations.membershipsRemoved(userId);
  }

  private async assertRemovable(manager: EntityManager, userId: string): Promise<void> {
    const user = await this.users.getForUpdate(userId, manager);
    if (!user) throw unauthorized(ErrorCode.InvalidToken, 'This account no longer exists');
    if (user.role === 'admin' && user.isActive && (await this.users.countActiveAdminsExclusively(manager)) <= 1) {
      throw conflict('This is the last active admin; promote another admin before deleting this account');
    }
    const soleOwned = await this.organizations.soleOwnedBy(userId, manager);
    if (soleOwned.length > 0) {
      throw new AppException(
        HttpStatus.CONFLICT,
        ErrorCode.SoleOwner,
        `You are the only owner of ${soleOwned.map((org) => `“${org.name}”`).join(', ')}; make another member an owner, or delete ${soleOwned.length === 1 ? 'it' : 'them'}, first`,
        undefined,
        undefined,
        { organizations: soleOwned },
      );
    }
  }
}
