import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { forbidden, insufficientScope } from '../core/errors/app.exception';
import { AUTH_REQUIREMENTS, AuthRequirements } from './auth.decorators';
import { Principal } from './principal';
import { REQUIRE_UNBOUND } from './resource.decorators';
import { Scope, missingScopes } from './scopes';

interface RouteScopes {
  scopes: Scope[];
  unbound: boolean;
}

/**
 * Authorization by the credential alone, read from the handler's decorators and nothing else: the
 * caller's credential must hold the route's scopes (`@RequireScopes`, 403 `insufficient_scope`
 * naming what is missing), and a route that acts outside any organisation (`@RequireUnbound`)
 * refuses a bound key. Where a route acts inside an organisation or project, the organisations
 * module's OrganizationAccessGuard runs next and adds the member's role.
 */
@Injectable()
export class ScopesGuard implements CanActivate {
  private readonly routes = new WeakMap<object, RouteScopes | null>();

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const route = this.routeScopes(context);
    const principal = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>().user;
    if (!route || !principal) return true;

    const missing = missingScopes(principal.scopes, route.scopes);
    if (missing.length > 0) throw insufficientScope(missing);
    if (route.unbound && principal.organizationId !== null) {
      throw forbidden('A key bound to an organization or project cannot act outside it');
    }
    return true;
  }

  private routeScopes(context: ExecutionContext): RouteScopes | null {
    const handler = context.getHandler();
    let route = this.routes.get(handler);
    if (route === undefined) {
      const requirements = this.reflector.getAllAndOverride<AuthRequirements | undefined>(AUTH_REQUIREMENTS, [handler, context.getClass()]);
      const unbound = this.reflector.get<boolean | undefined>(REQUIRE_UNBOUND, handler) === true;
      const scopes = requirements?.scopes ?? [];
      route = scopes.length > 0 || unbound ? { scopes, unbound } : null;
      this.routes.set(handler, route);
    }
    return route;
  }
}
