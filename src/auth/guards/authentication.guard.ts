import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { AppException, forbidden, insufficientScope, unauthorized } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-codes';
import { AUTH_REQUIREMENTS, AuthRequirements, IS_PUBLIC } from '../decorators/auth.decorators';
import { Principal } from '../principal';
import { missingScopes } from '../scopes';
import { RateLimitService } from '../../rate-limit/rate-limit.service';
import { API_KEY_BEARER_STRATEGY, API_KEY_HEADER_STRATEGY } from '../strategies/api-key.strategies';
import { JWT_STRATEGY } from '../strategies/jwt.strategy';

/** What the request log shows of the caller: ids only, never the credential. */
export interface CallerLogFields {
  userId: string;
  keyId?: string;
  method: Principal['method'];
}

/**
 * The one global guard: deny by default, `@Public()` to opt out. Tries the API key in
 * `X-API-Key`, then an `argus_` key in `Authorization: Bearer`, then a JWT there; then checks the
 * route's roles and scopes.
 */
@Injectable()
export class AuthenticationGuard extends AuthGuard([API_KEY_HEADER_STRATEGY, API_KEY_BEARER_STRATEGY, JWT_STRATEGY]) {
  constructor(
    private readonly reflector: Reflector,
    private readonly limits: RateLimitService,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    try {
      await super.canActivate(context);
    } catch (error) {
      // A failed authentication still counts against the client IP, so guessing keys, tokens or
      // passwords is limited like any anonymous traffic.
      if (error instanceof AppException && error.getStatus() === 401) {
        await this.limits.chargeAnonymous(context.switchToHttp().getRequest<FastifyRequest>().ip);
      }
      throw error;
    }
    const request = context.switchToHttp().getRequest<FastifyRequest & { user: Principal }>();
    const principal = request.user;
    (request.raw as { caller?: CallerLogFields }).caller = {
      userId: principal.userId,
      keyId: principal.keyId,
      method: principal.method,
    };

    const requirements = this.reflector.getAllAndOverride<AuthRequirements | undefined>(AUTH_REQUIREMENTS, targets);
    if (requirements?.roles?.length && !requirements.roles.includes(principal.role)) throw forbidden();
    if (requirements?.scopes?.length) {
      const missing = missingScopes(principal.scopes, requirements.scopes);
      if (missing.length > 0) throw insufficientScope(missing);
    }
    return true;
  }

  /** Maps Passport's outcome to the contract's 401 codes. */
  override handleRequest<T>(error: unknown, user: T, info: unknown): T {
    if (error) throw error instanceof AppException ? error : unauthorized(ErrorCode.Unauthorized, 'Authentication failed');
    if (user) return user;
    const failures = Array.isArray(info) ? info : [info];
    const jwtFailure = failures.find(
      (failure): failure is Error => failure instanceof Error && /Token|jwt|signature/i.test(failure.name + failure.message),
    );
    if (jwtFailure?.name === 'TokenExpiredError') throw unauthorized(ErrorCode.TokenExpired, 'Access token has expired');
    if (jwtFailure && jwtFailure.message !== 'No auth token') throw unauthorized(ErrorCode.InvalidToken, 'Invalid access token');
    throw unauthorized(ErrorCode.Unauthorized, 'Authentication required: send a bearer token or an X-API-Key header');
  }
}
