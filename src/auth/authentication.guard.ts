import { CanActivate, ExecutionContext, Injectable, Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard, IAuthGuard } from '@nestjs/passport';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppException, accessDeniedByPolicy, forbidden, unauthorized } from '../core/errors/app.exception';
import { ErrorCode } from '../core/errors/error-codes';
import type { CallerLogFields } from '../core/logging/logging';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { AUTH_REQUIREMENTS, AuthRequirements, IS_PUBLIC } from '../access/auth.decorators';
import { Principal } from '../access/principal';
import { API_KEY_BEARER_STRATEGY, API_KEY_HEADER_STRATEGY, JWT_STRATEGY, KEY_PREFIX, OAUTH_STRATEGY } from '../access/credentials';
import { csrfInvalid, hasValidCsrfToken, isStateChanging } from './sessions/csrf';
import { clearSessionCookies, hasSessionCookie, sessionTokenOf } from './sessions/session-cookie';
import { SessionsService } from './sessions/sessions.service';

/**
 * Maps Passport's outcome to the contract's 401 codes. An error the strategies did not raise is
 * not a verdict on the credential: it goes on to the filter unchanged (an unreachable database
 * becomes 503 there, anything else the 500 it is), and only 401s are charged as failed
 * authentications.
 */
function toPrincipal<T>(error: unknown, user: T, info: unknown): T {
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- Passport's error goes on to the filter exactly as it came
  if (error) throw error;
  if (user) return user;
  const failures = Array.isArray(info) ? info : [info];
  const jwtFailure = failures.find(
    (failure): failure is Error => failure instanceof Error && /Token|jwt|signature/i.test(failure.name + failure.message),
  );
  if (jwtFailure?.name === 'TokenExpiredError') throw unauthorized(ErrorCode.TokenExpired, 'Access token has expired');
  if (jwtFailure && jwtFailure.message !== 'No auth token') throw unauthorized(ErrorCode.InvalidToken, 'Invalid access token');
  throw unauthorized(ErrorCode.Unauthorized, 'Authentication required: send a bearer token or an X-API-Key header');
}

/** A Passport guard for one strategy, with the contract's error mapping. */
function strategyGuard(strategy: string): Type<IAuthGuard> {
  class StrategyGuard extends AuthGuard(strategy) {
    override handleRequest<T>(error: unknown, user: T, info: unknown): T {
      return toPrincipal(error, user, info);
    }
  }
  return StrategyGuard;
}

const ApiKeyHeaderGuard = strategyGuard(API_KEY_HEADER_STRATEGY);
const ApiKeyBearerGuard = strategyGuard(API_KEY_BEARER_STRATEGY);
const JwtGuard = strategyGuard(JWT_STRATEGY);
const OAuthGuard = strategyGuard(OAUTH_STRATEGY);

/**
 * Whether a bearer value is a JWT whose protected header says `typ: at+jwt` (RFC 9068, any case):
 * an OAuth access token. Decodes the header segment alone, and only when it is short enough to be one.
 */
export function isOAuthAccessToken(bearer: string): boolean {
  const dot = bearer.indexOf('.');
  if (dot <= 0 || dot > 1024) return false;
  try {
    const header: unknown = JSON.parse(Buffer.from(bearer.slice(0, dot), 'base64url').toString('utf8'));
    const typ = header && typeof header === 'object' ? (header as { typ?: unknown }).typ : undefined;
    return typeof typ === 'string' && typ.toLowerCase() === 'at+jwt';
  } catch {
    return false;
  }
}

interface RouteAuth {
  isPublic: boolean;
  requirements?: AuthRequirements;
}

/**
 * The one global guard: deny by default, `@Public()` to opt out. Authenticates with the API key
 * in `X-API-Key`, else an `argus_` key in `Authorization: Bearer`, else an OAuth access token there
 * (a JWT whose header says `typ: at+jwt`), else a login JWT there, each through
 * its Passport strategy, else the browser session cookie (an explicit header always wins over a
 * cookie); then, for a session, the CSRF token of a state-changing request; then the route's roles. Scopes and organisation boundaries are
 * the ScopesGuard's, which runs after the rate limit.
 *
 * The headers pick the one strategy that can apply, with the same outcome as Passport trying the
 * three in that order, but without running the two that would fail on every request.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  private readonly apiKeyHeader = new ApiKeyHeaderGuard();
  private readonly apiKeyBearer = new ApiKeyBearerGuard();
  private readonly jwt = new JwtGuard();
  private readonly oauth = new OAuthGuard();
  /** Route metadata read once per handler, not on every request. */
  private readonly routes = new WeakMap<object, RouteAuth>();

  constructor(
    private readonly reflector: Reflector,
    private readonly limits: RateLimitService,
    private readonly sessions: SessionsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const route = this.routeAuth(context);
    if (route.isPublic) return true;

    const request = context.switchToHttp().getRequest<FastifyRequest & { user: Principal }>();
    const bySession = this.usesSessionCookie(request);
    try {
      if (bySession) request.user = await this.sessions.authenticate(sessionTokenOf(request) ?? '');
      else await this.strategyFor(request).canActivate(context);
    } catch (error) {
      if (error instanceof AppException && error.getStatus() === 401) {
        // A failed authentication still counts against the client IP, so guessing keys, tokens or
        // passwords is limited like any anonymous traffic.
        await this.limits.chargeAnonymous(request.ip);
        // The browser may drop a cookie that can never work again.
        if (bySession) clearSessionCookies(request, context.switchToHttp().getResponse<FastifyReply>());
      }
      throw error;
    }
    const principal = request.user;
    // Only the cookie is sent by the browser on its own, cross-site too: a change it makes must
    // carry the token that only a page of this origin could have read.
    if (bySession && isStateChanging(request) && !hasValidCsrfToken(request)) throw csrfInvalid();
    if (principal.allowsIp && !principal.allowsIp(request.ip)) {
      // Like a failed authentication: a key used from outside its allowlist spends the address's budget.
      await this.limits.chargeAnonymous(request.ip);
      throw accessDeniedByPolicy('This API key may not be used from this address');
    }
    (request.raw as { caller?: CallerLogFields }).caller = {
      userId: principal.userId,
      keyId: principal.keyId,
      ...(principal.clientId ? { clientId: principal.clientId } : {}),
      method: principal.method,
    };

    const roles = route.requirements?.roles;
    if (roles?.length && !roles.includes(principal.role)) throw forbidden();
    return true;
  }

  private usesSessionCookie(request: FastifyRequest): boolean {
    return !request.headers['x-api-key'] && !request.headers.authorization && hasSessionCookie(request);
  }

  private strategyFor(request: FastifyRequest): IAuthGuard {
    if (request.headers['x-api-key']) return this.apiKeyHeader;
    const authorization = request.headers.authorization;
    if (authorization?.startsWith(`Bearer ${KEY_PREFIX}`)) return this.apiKeyBearer;
    if (authorization?.startsWith('Bearer ') && isOAuthAccessToken(authorization.slice(7))) return this.oauth;
    return this.jwt;
  }

  private routeAuth(context: ExecutionContext): RouteAuth {
    const handler = context.getHandler();
    let route = this.routes.get(handler);
    if (!route) {
      const targets = [handler, context.getClass()];
      route = {
        isPublic: this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets) === true,
        requirements: this.reflector.getAllAndOverride<AuthRequirements | undefined>(AUTH_REQUIREMENTS, targets),
      };
      this.routes.set(handler, route);
    }
    return route;
  }
}
