import { ExecutionContext, SetMetadata, applyDecorators, createParamDecorator } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiOAuth2, ApiSecurity } from '@nestjs/swagger';
import { ApiErrors } from '../core/openapi/api-responses.decorator';
import { API_KEY_SECURITY, JWT_SECURITY, OAUTH_SECURITY, SESSION_SECURITY } from '../core/openapi/security-schemes';
import type { UserRole } from './roles';
import { Principal } from './principal';
import type { Scope } from './scopes';

export const IS_PUBLIC = 'argus:isPublic';
export const AUTH_REQUIREMENTS = 'argus:authRequirements';

export { API_KEY_SECURITY, JWT_SECURITY };

export interface AuthRequirements {
  roles?: UserRole[];
  /** Every listed scope is required (API keys by their scopes, JWT and session callers by their role's). */
  scopes?: Scope[];
}

/** Opts a route out of the global authentication guard. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/**
 * Declares who may call a route. The same decorator writes the metadata the guard enforces and
 * the OpenAPI security, errors and scopes, so `/docs` cannot disagree with the code.
 */
export function Authenticated(requirements: AuthRequirements = {}): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(AUTH_REQUIREMENTS, requirements),
    ApiBearerAuth(JWT_SECURITY),
    ApiSecurity(API_KEY_SECURITY),
    ApiSecurity(SESSION_SECURITY),
    ApiOAuth2([...(requirements.scopes ?? [])], OAUTH_SECURITY),
    // 403 on every guarded route: besides roles and scopes, the guard refuses a key used from an
    // address outside its allowedIps (access_denied_by_policy), whatever the route.
    ApiErrors(401, 403, 429, 503),
    ...(requirements.scopes?.length ? [ApiExtension('x-required-scopes', requirements.scopes)] : []),
    ...(requirements.roles?.length ? [ApiExtension('x-required-roles', requirements.roles)] : []),
  );
}

/**
 * The scopes a route requires, all of them: shorthand for `@Authenticated({ scopes })`. The
 * ScopesGuard enforces them and `/docs` lists them under `x-required-scopes`.
 */
export const RequireScopes = (...scopes: Scope[]): MethodDecorator & ClassDecorator => Authenticated({ scopes });

/** The authenticated caller of this request. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => context.switchToHttp().getRequest<{ user: Principal }>().user,
);
