import { CanActivate, ExecutionContext, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AUTH_REQUIREMENTS, AuthRequirements } from '../../access/auth.decorators';
import { Principal } from '../../access/principal';
import { AppException } from '../../core/errors/app.exception';
import { ErrorCode } from '../../core/errors/error-codes';
import { UserAccessService } from '../../users/user-access.service';
import { AuthConfig, authConfig } from '../auth.config';

/**
 * REQUIRE_MFA_FOR_ADMINS: a route that requires the admin role answers 403 `mfa_required` to an
 * admin (by any credential, a key of theirs included) whose account has no two-factor yet. The
 * admin still signs in and can set two-factor up (those routes are not admin routes), so the
 * setting cannot lock the last admin out. Registered globally after ScopesGuard.
 */
@Injectable()
export class AdminMfaGuard implements CanActivate {
  private readonly adminRoutes = new WeakMap<object, boolean>();

  constructor(
    private readonly reflector: Reflector,
    private readonly userAccess: UserAccessService,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.config.requireMfaForAdmins || !this.isAdminRoute(context)) return true;
    const principal = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>().user;
    if (!principal || principal.role !== 'admin') return true;
    // The cached access record (invalidated when two-factor changes): no query per admin request.
    if ((await this.userAccess.get(principal.userId))?.mfaEnabled) return true;
    throw new AppException(
      HttpStatus.FORBIDDEN,
      ErrorCode.MfaRequired,
      'This server requires two-factor authentication for administrators: set it up under Account → Security (POST /api/auth/mfa/totp) first',
    );
  }

  private isAdminRoute(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let admin = this.adminRoutes.get(handler);
    if (admin === undefined) {
      const requirements = this.reflector.getAllAndOverride<AuthRequirements | undefined>(AUTH_REQUIREMENTS, [handler, context.getClass()]);
      admin = requirements?.roles?.includes('admin') ?? false;
      this.adminRoutes.set(handler, admin);
    }
    return admin;
  }
}
